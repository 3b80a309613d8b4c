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

Positions come from the index where it stores them (the Whoosh engine: the body's, read
for the few documents concerned, engines/whoosh/offsets.py); the cluster analyses the
stored bodies again.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Callable

import numpy as np

from indexer.config import Settings
from indexer.search.ranking import top_documents

WINDOW_POSITIONS = 16
RERANK_DEPTH = 20
# Queries of fewer morphemes are left to BM25: with two or three words (most searches of
# policy documents) where they stand adds little and the titles decide (measured: the
# judged paraphrase and cross-lingual sets lost nDCG@10 with it at two and three).
MIN_MORPHEMES = 4
FIELD = "body"
# Among the documents reranked, at least this share with one title means they are parts
# or versions of one thing (the paragraphs of one article, a program of several years):
# words they all hold (the article's subject) cannot tell them apart, the query's other
# words can, so those weigh more (setting shared_title_weight). Measured on all 5,774
# KorQuAD questions, whose candidates are often paragraphs of one article: MRR@10 0.9583
# without, 0.9602 with weight 3; the judged policy sets, whose candidates rarely share a
# title, were unchanged. Without the title condition the same weighting cost the
# paraphrase set 0.017 and the pledges 0.035.
SHARED_TITLE_SHARE = 0.3


def query_morphemes(analyzer: Any, text: str) -> list[str]:
    """The distinct morphemes of the words typed, as the body field holds them."""
    return list(dict.fromkeys(t.text for t in analyzer(text, mode="query") if not t.is_part))


def passage_evidence(
    occurrences: list[list[tuple[int, str]]],
    frequencies: dict[str, int],
    doc_count: int,
    titles: Callable[[], list[str]],
    shared_title_weight: float = 0.0,
) -> list[float]:
    """For each document, the summed inverse document frequency of the query morphemes
    found together in its best window of the body (0.0 when none). When the documents
    mostly share one title, each morpheme also weighs ``shared_title_weight`` times its
    inverse frequency among the documents themselves.

    Each engine reads what it needs its own way: per document, the (position, morpheme) of each
    query morpheme in its body; each morpheme's document frequency in the collection
    (morphemes without one are left out); the collection's size; and the documents'
    titles (read only when the title condition is asked)."""
    weights = {m: _idf(max(1, doc_count), f) for m, f in frequencies.items() if f}
    occurrences = [[(p, m) for p, m in found if m in weights] for found in occurrences]
    if shared_title_weight > 0 and _one_title_dominates(titles()):
        holding = Counter(m for found in occurrences for m in {m for _, m in found})
        pool = len(occurrences)
        for morpheme, held_by in holding.items():
            weights[morpheme] += shared_title_weight * _idf(pool, held_by)
    return [_best_window(sorted(found), weights) for found in occurrences]


def _idf(total: int, holding: int) -> float:
    return math.log(1 + (total - holding + 0.5) / (holding + 0.5))


def _one_title_dominates(titles: list[str]) -> bool:
    counted = Counter(titles)
    return bool(titles) and counted.most_common(1)[0][1] >= SHARED_TITLE_SHARE * len(titles)


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


def with_passages(
    ids: np.ndarray,
    scores: np.ndarray,
    text: str,
    analyzer: Any,
    settings: Settings,
    evidence_of: Callable[[np.ndarray, list[str]], list[float]],
) -> np.ndarray:
    """The scores with the passage evidence (indexer/passages.py) of the best-ranked
    documents added; the others keep theirs and stay below them. ``evidence_of`` gives
    the evidence of the documents at some positions of ``ids`` for the query morphemes
    (each backend reads positions its own way)."""
    best = top_documents(ids, scores, RERANK_DEPTH)
    morphemes = query_morphemes(analyzer, text)
    if len(best) < 2 or len(morphemes) < MIN_MORPHEMES:
        return scores
    evidence = evidence_of(best, morphemes)
    scores = scores.copy()
    scores[best] += settings.passage_weight * np.asarray(evidence)
    return scores
