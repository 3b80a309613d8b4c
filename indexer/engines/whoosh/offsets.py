"""Where the query's terms stand in a few documents, read from the index: which terms
each shown document holds and their character offsets (marks, so a page's snippets
never run the tagger over a long body), and the body positions of the best-ranked
documents (passage evidence, search/passages.py).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

import numpy as np

from indexer.engines.whoosh.blockvalues import SegmentCache, stored_values
from indexer.engines.whoosh.evaluation import ReaderArrays
from indexer.search.fragments import Match
from indexer.search.passages import FIELD as PASSAGE_FIELD
from indexer.search.passages import passage_evidence

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
    arrays: ReaderArrays | None = None,
) -> dict[int, list[Match]]:
    """Every occurrence of each document's matched terms in ``fieldname`` (its text in
    ``texts``), in the order of its terms.

    A text up to ``retokenize_max_chars`` is analysed again with the index's own
    analyzer, which is cheaper for titles and ordinary bodies; a longer one's offsets
    are read from the index, for all the long documents holding a word in one pass
    (kept in the postings cache of ``arrays``, when given).
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
    for word, docnums in stored_lookups.items():
        btext = field.to_bytes(word)
        stored = stored_values(searcher, fieldname, btext, docnums, "characters", _cache_of(arrays))
        for docnum, chars in stored.items():
            found[docnum][word] = chars
    return {
        docnum: [
            Match(start, end, word) for word, chars in offsets.items() for _, start, end in chars
        ]
        for docnum, offsets in found.items()
    }


def body_passage_evidence(
    searcher,
    docnums: list[int],
    morphemes: list[str],
    shared_title_weight: float = 0.0,
    arrays: ReaderArrays | None = None,
) -> list[float]:
    """search/passages.py's evidence for each document, from the body positions of the
    query's morphemes stored in the index."""
    field = searcher.schema[PASSAGE_FIELD]
    frequencies: dict[str, int] = {}
    found: dict[int, list[tuple[int, str]]] = {docnum: [] for docnum in docnums}
    in_order = sorted(docnums)
    for morpheme in morphemes:
        btext = field.to_bytes(morpheme)
        frequency = searcher.doc_frequency(PASSAGE_FIELD, btext)
        if not frequency:
            continue
        frequencies[morpheme] = frequency
        stored = stored_values(
            searcher, PASSAGE_FIELD, btext, in_order, "positions", _cache_of(arrays)
        )
        for docnum, positions in stored.items():
            found[docnum].extend((position, morpheme) for position in positions)

    def titles() -> list[str]:
        return [searcher.stored_fields(docnum).get("title", "") for docnum in docnums]

    return passage_evidence(
        [found[docnum] for docnum in docnums],
        frequencies,
        searcher.doc_count_all(),
        titles,
        shared_title_weight,
    )


def _cache_of(arrays: ReaderArrays | None) -> SegmentCache | None:
    return None if arrays is None else arrays.segment_cache
