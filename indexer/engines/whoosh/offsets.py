"""Marks from the index: which query terms each shown document holds, and where (their
stored character offsets), so a page's snippets never run the tagger over a long body.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

import numpy as np

from indexer.engines.whoosh.private import read_term_offsets
from indexer.search.fragments import Match

# A document's matched terms, as (field, term bytes) in the order of the query's terms.
DocumentTerms = dict[int, list[tuple[str, bytes]]]


def matched_terms(
    schema,
    docnums: list[int],
    query,
    term_documents: Callable[[str, bytes], np.ndarray],
    unmarked: frozenset[str] = frozenset(),
) -> DocumentTerms:
    """Which of the query's terms each of ``docnums`` holds, found by looking these
    documents up in each term's documents (``term_documents(field, term)``, ascending).
    Terms in ``unmarked`` are left out (see lone_syllables)."""
    docterms: DocumentTerms = defaultdict(list)
    wanted = np.array(sorted(set(docnums)), dtype=np.int64)
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
            docterms[docnum].append((fieldname, btext))
    return dict(docterms)


def field_matches(
    searcher,
    fieldname: str,
    texts: dict[int, str],
    docterms: DocumentTerms,
    retokenize_max_chars: int,
) -> dict[int, list[Match]]:
    """Every occurrence of each document's matched terms in ``fieldname`` (its text in
    ``texts``), in the order of its terms.

    A text up to ``retokenize_max_chars`` is analysed again with the index's own
    analyzer, which is cheaper for titles and ordinary bodies; a longer one's offsets
    are read from the index, for all the long documents holding a word in one pass.
    """
    field = searcher.schema[fieldname]
    found: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
    stored_lookups: dict[str, list[int]] = defaultdict(list)  # word -> long documents
    for docnum in sorted(texts):
        text = texts[docnum]
        words = [
            field.from_bytes(term) for name, term in docterms.get(docnum, ()) if name == fieldname
        ]
        offsets: dict[str, list[tuple[int, int, int]]] = {word: [] for word in words}
        found[docnum] = offsets
        if not words:
            continue
        if len(text) <= retokenize_max_chars:
            for term, pos, start, end in field.analyzer.postings(text):
                if term in offsets:
                    offsets[term].append((pos, start, end))
        else:
            for word in words:
                stored_lookups[word].append(docnum)
    leaves = searcher.reader().leaf_readers()
    for word, docnums in stored_lookups.items():
        btext = field.to_bytes(word)
        for (leaf, offset), (start, end) in zip(leaves, _segment_ranges(leaves), strict=True):
            local = [docnum - offset for docnum in docnums if start <= docnum < end]
            for docnum, chars in read_term_offsets(leaf, fieldname, btext, local).items():
                found[docnum + offset][word] = chars
    return {
        docnum: [
            Match(start, end, word) for word, chars in offsets.items() for _, start, end in chars
        ]
        for docnum, offsets in found.items()
    }


def _segment_ranges(leaves: list) -> list[tuple[int, int]]:
    """Each segment's [first, end) of the index's document numbers."""
    return [(offset, offset + leaf.doc_count_all()) for leaf, offset in leaves]
