"""Marks from the index: which query terms each hit holds, and their stored character
offsets, handed to Whoosh's highlighter so it never re-runs the tagger per hit."""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

import numpy as np
from whoosh.highlight import Highlighter

from indexer.engines.whoosh.private import read_term_offsets, set_match_offsets, set_matched_terms
from indexer.model.snippets import Snippet


def attach_matched_terms(
    results,
    docnums: list[int],
    query,
    term_documents: Callable[[str, bytes], np.ndarray],
    unmarked: frozenset[str] = frozenset(),
) -> None:
    """Records which of the query's terms each of ``docnums`` holds, as Whoosh's
    ``terms=True`` would, by looking these documents up in each term's documents
    (``term_documents(field, term)``, ascending). With it the highlighter marks from
    stored character offsets instead of re-running the tagger over every hit. Terms in
    ``unmarked`` are not marked (see lone_syllables)."""
    schema = results.searcher.schema
    termdocs: dict[tuple[str, bytes], list[int]] = defaultdict(list)
    docterms: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
    wanted = np.array(sorted(set(docnums)), dtype=np.int64)
    # (Whoosh's existing_terms() stops after the first field of an Or here; list them all.)
    terms = {
        (fieldname, schema[fieldname].to_bytes(text) if isinstance(text, str) else text)
        for fieldname, text in query.all_terms(phrases=True)
        if fieldname in schema and text not in unmarked
    }
    for fieldname, btext in sorted(terms):
        holding = term_documents(fieldname, btext)
        if not len(holding):  # not in the index
            continue
        at = np.minimum(np.searchsorted(holding, wanted), len(holding) - 1)
        for docnum in wanted[holding[at] == wanted].tolist():
            termdocs[(fieldname, btext)].append(docnum)
            docterms[docnum].append((fieldname, btext))
    set_matched_terms(results, dict(termdocs), dict(docterms))


def load_match_offsets(
    results, fieldname: str, texts: dict[int, str], retokenize_max_chars: int
) -> None:
    """Fills Whoosh's per-results cache of matched terms' character offsets for one field,
    so ``highlight_hit`` marks them without looking anything up itself.

    Whoosh would read every matched term's postings once per hit, decoding a block of
    positions each time (most of a request's time). A text up to ``retokenize_max_chars``
    is analysed again instead, with the index's own analyzer, which is cheaper for
    titles and ordinary bodies; a longer text uses the stored offsets, as Whoosh does.
    Needs ``attach_matched_terms`` first.
    """
    searcher = results.searcher
    field = searcher.schema[fieldname]
    cache: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
    stored_lookups: dict[str, list[int]] = defaultdict(list)  # word -> long documents
    for docnum in sorted(texts):
        text = texts[docnum]
        words = {
            field.from_bytes(term)
            for name, term in results.docterms.get(docnum, ())
            if name == fieldname
        }
        offsets: dict[str, list[tuple[int, int, int]]] = {word: [] for word in words}
        cache[docnum] = offsets
        if not words:
            continue
        if len(text) <= retokenize_max_chars:
            for term, pos, start, end in field.analyzer.postings(text):
                if term in offsets:
                    offsets[term].append((pos, start, end))
        else:
            for word in words:
                stored_lookups[word].append(docnum)
    # One pass along each word's postings, segment by segment, for all the long
    # documents holding it.
    leaves = searcher.reader().leaf_readers()
    for word, docnums in stored_lookups.items():
        btext = field.to_bytes(word)
        for (leaf, offset), (start, end) in zip(leaves, _segment_ranges(leaves), strict=True):
            local = [docnum - offset for docnum in docnums if start <= docnum < end]
            for docnum, chars in read_term_offsets(leaf, fieldname, btext, local).items():
                cache[docnum + offset][word] = chars
    set_match_offsets(results, fieldname, cache)


def _segment_ranges(leaves: list) -> list[tuple[int, int]]:
    """Each segment's [first, end) of the index's document numbers."""
    return [(offset, offset + leaf.doc_count_all()) for leaf, offset in leaves]


def highlight_field(
    highlighter: Highlighter, hit, fieldname: str, text: str, top: int
) -> Snippet | None:
    """The field's text with the hit's matches marked; None when it has none to mark."""
    if not text:
        return None
    try:
        snippet = highlighter.highlight_hit(hit, fieldname, text=text, top=top)
    except KeyError:
        # A term matched in another field only; nothing to mark here.
        return None
    # Whoosh returns "" when no fragment holds a match.
    return snippet if isinstance(snippet, Snippet) and snippet else None
