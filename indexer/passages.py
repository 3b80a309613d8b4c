"""Passage evidence: among the best-ranked documents, those where the query's words occur
close together rank higher.

BM25 scores a document by its words wherever they stand; a paragraph that says in one
sentence what the query asks ("1961년 이명박이 입학한 대학교") should beat one that holds
the same words scattered. The best window of ``WINDOW_POSITIONS`` consecutive word positions
in the body is scored by the inverse document frequency of the query's distinct morphemes
in it, and ``passage_weight`` times that is added to the first ``RERANK_DEPTH`` results'
scores, for queries of at least ``MIN_MORPHEMES`` morphemes (questions, sentences). Only
those are reordered, so every page of a search stays consistent (bench/relevance.py, all
5,774 KorQuAD questions: MRR@10 0.9513 without, 0.9576 with). Windows of 12 at weight 2.5
gave KorQuAD 0.9590 but cost the judged paraphrase and cross-lingual sets about 0.004 to
0.01; 8, 24 and weights up to 3.5 gave no more.

Positions come from the index (the body field stores them), read term by term along each
term's postings for the few documents concerned, as the highlighter reads offsets.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from whoosh.reading import TermNotFound

WINDOW_POSITIONS = 16
RERANK_DEPTH = 20
# Queries of fewer morphemes are left to BM25: with two or three words (most searches of
# policy documents) where they stand adds little and the titles decide (measured: the
# judged paraphrase and cross-lingual sets lost nDCG@10 with it at two and three).
MIN_MORPHEMES = 4
FIELD = "body"


def query_morphemes(analyzer: Any, text: str) -> list[str]:
    """The distinct morphemes of the words typed, as the body field holds them."""
    return list(dict.fromkeys(t.text for t in analyzer(text, mode="query") if not t.is_part))


def best_passages(searcher: Any, docnums: list[int], morphemes: list[str]) -> list[float]:
    """For each document, the summed inverse document frequency of the query morphemes
    found together in its best window of the body (0.0 when none)."""
    field = searcher.schema[FIELD]
    doc_count = max(1, searcher.doc_count_all())
    weights: dict[str, float] = {}
    found: dict[int, list[tuple[int, str]]] = {docnum: [] for docnum in docnums}
    in_order = sorted(docnums)
    for morpheme in morphemes:
        btext = field.to_bytes(morpheme)
        frequency = searcher.doc_frequency(FIELD, btext)
        if not frequency:
            continue
        weights[morpheme] = math.log(1 + (doc_count - frequency + 0.5) / (frequency + 0.5))
        try:
            postings = searcher.postings(FIELD, btext)
        except TermNotFound:
            continue
        for docnum in in_order:
            postings.skip_to(docnum)
            if not postings.is_active():
                break
            if postings.id() == docnum:
                found[docnum].extend((pos, morpheme) for pos in postings.value_as("positions"))
    return [_best_window(sorted(found[docnum]), weights) for docnum in docnums]


def _best_window(occurrences: list[tuple[int, str]], weights: dict[str, float]) -> float:
    best, start = 0.0, 0
    inside: Counter[str] = Counter()
    for position, morpheme in occurrences:
        inside[morpheme] += 1
        while occurrences[start][0] <= position - WINDOW_POSITIONS:
            leaving = occurrences[start][1]
            inside[leaving] -= 1
            if not inside[leaving]:
                del inside[leaving]
            start += 1
        best = max(best, sum(weights[m] for m in inside))
    return best
