"""Query trees evaluated as arrays, with BM25F as a pure function over a provider of
collection statistics (tantivy's Bm25StatisticsProvider is the model).

A Term becomes (document numbers, BM25F scores) for all its postings at once; And, Or,
AndNot, AndMaybe and Require combine those arrays. The scores are Whoosh's own: its
BM25F formula and per-field B and K1, idf from document frequencies with deleted
documents counted, the average field length over every document, the boosts, and a
compound's boost ignored when it has one child, as Whoosh does.

Each engine supplies a ``TermStatistics``: the Whoosh index reads postings and field
lengths from its segments (engines/whoosh/evaluation.py); the cluster reads them from
its candidates' stored terms with the whole cluster's frequencies
(engines/sphinx/rerank.py). A node without an array form (a phrase, a span) is
evaluated by the provider, so both engines score every query the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Protocol

import numpy as np
from whoosh import query as Q

from indexer.config import Settings
from indexer.deadline import NO_DEADLINE, Deadline
from indexer.fields import BIGRAM_FIELDS

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_SCORES = np.zeros(0, dtype=np.float64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Matches:
    """Matching documents (ascending, unique numbers) and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


NO_MATCHES = Matches(EMPTY_IDS, EMPTY_SCORES)


@dataclass(frozen=True)
class Postings:
    """A term's documents (ascending numbers), its frequency in each, and how many
    documents of the whole collection hold it (the idf's document frequency)."""

    ids: np.ndarray
    weights: np.ndarray
    doc_frequency: int


NO_POSTINGS = Postings(EMPTY_IDS, EMPTY_WEIGHTS, 0)


@dataclass(frozen=True)
class BM25FParameters:
    """B and K1, with a K1 of its own for some fields (the Hangul bigram fields want a
    much lower one than the morpheme fields: engines/whoosh/scoring.py says why)."""

    B: float
    K1: float
    field_K1: Mapping[str, float] = field(default_factory=dict)

    def of(self, fieldname: str) -> tuple[float, float]:
        """(B, K1) of a field."""
        return float(self.B), float(self.field_K1.get(fieldname, self.K1))


def bm25f_parameters(settings: Settings) -> BM25FParameters:
    """The settings' BM25F: the bigram fields with their own (low) K1."""
    bigram_K1 = {name: settings.bigram_bm25_k1 for name in BIGRAM_FIELDS}
    return BM25FParameters(settings.bm25_b, settings.bm25_k1, bigram_K1)


def bm25f(
    frequencies: np.ndarray,
    lengths: np.ndarray,
    average_length: float,
    doc_frequency: int,
    documents: int,
    B: float,
    K1: float,
) -> np.ndarray:
    """Whoosh's BM25F score of a term in each document: idf times the frequency
    saturated by K1 and normalised by the field's length (B)."""
    idf = math.log(documents / (doc_frequency + 1)) + 1
    tf = frequencies.astype(np.float64)
    return idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / average_length)))


class TermStatistics(Protocol):
    """What evaluation reads of a collection; documents are numbered 0..doc_count_all-1."""

    doc_count_all: int  # the numbering's size (deleted documents included)
    collection_documents: int  # the N of every term's idf
    live: np.ndarray  # a mask of the documents not deleted
    live_ids: np.ndarray
    has_deletions: bool

    def holds_field(self, fieldname: str) -> bool: ...

    def scorable(self, fieldname: str) -> bool: ...  # scored by BM25F, else by its weight

    def postings(self, fieldname: str, text: str | bytes) -> Postings: ...

    def field_lengths(self, fieldname: str) -> np.ndarray: ...  # per document

    def average_length(self, fieldname: str) -> float: ...

    def other_node(self, node: Q.Query, evaluator: QueryEvaluator) -> Matches: ...


class QueryEvaluator:
    """Evaluates query trees for one request over one provider of statistics."""

    def __init__(
        self,
        statistics: TermStatistics,
        parameters: BM25FParameters,
        deadline: Deadline = NO_DEADLINE,
    ) -> None:
        self.statistics = statistics
        self.parameters = parameters
        self.deadline = deadline

    def evaluate(self, query: Q.Query | None) -> Matches:
        """Every live document the query matches, with its score; ``None``: all documents."""
        stats = self.statistics
        if query is None:
            return Matches(stats.live_ids, np.zeros(len(stats.live_ids)))
        matches = self.node(query)
        if len(matches) and stats.has_deletions:
            keep = stats.live[matches.ids]
            matches = Matches(matches.ids[keep], matches.scores[keep])
        return matches

    def term_documents(self, fieldname: str, text: str | bytes) -> np.ndarray:
        """Documents (deleted ones included) that hold a term."""
        return self.statistics.postings(fieldname, text).ids

    def node(self, node: Q.Query) -> Matches:
        """The matches of one node of a tree (deleted documents not yet removed)."""
        self.deadline.check()
        kind = type(node)
        if kind is Q.Term:
            return self._term(node)
        if kind is Q.Not:
            # Whoosh's InverseMatcher: every live document without the child, scoring 1.0
            # (so And/Or with NOT parts score as Whoosh does).
            excluded = self.node(node.query)
            live = self.statistics.live_ids
            ids = live[~np.isin(live, excluded.ids, assume_unique=True)]
            return Matches(ids, np.ones(len(ids)))
        if kind in (Q.And, Q.Or) and not (kind is Q.Or and (node.minmatch or node.scale)):
            return self._compound(node, kind is Q.And)
        if kind is Q.AndNot:
            positive = self.node(node.a)
            if not len(positive):
                return positive
            keep = ~np.isin(positive.ids, self.node(node.b).ids, assume_unique=True)
            return Matches(positive.ids[keep], positive.scores[keep])
        if kind is Q.AndMaybe:  # documents of the first; the second adds to their scores
            return self._and_maybe(node)
        if kind is Q.Require:  # documents in both, scored by the first
            scored = self.node(node.a)
            if not len(scored):
                return scored
            keep = np.isin(scored.ids, self.node(node.b).ids, assume_unique=True)
            return Matches(scored.ids[keep], scored.scores[keep])
        if kind is Q.Every and node.fieldname in (None, "", "*"):
            ids = self.statistics.live_ids
            return Matches(ids, np.full(len(ids), float(node.boost or 1.0)))
        if node is Q.NullQuery or kind is type(Q.NullQuery):
            return NO_MATCHES
        return self.statistics.other_node(node, self)

    def _compound(self, node: Q.Query, intersect: bool) -> Matches:
        subs = node.subqueries
        if not subs:
            return NO_MATCHES
        if len(subs) == 1:  # Whoosh uses the child's matcher alone, without the boost
            return self.node(subs[0])
        parts = [self.node(sub) for sub in subs]
        if intersect:
            return boosted(intersection(parts), node.boost)
        return boosted(union(parts, self.statistics.doc_count_all), node.boost)

    def _and_maybe(self, node: Q.AndMaybe) -> Matches:
        required = self.node(node.a)
        if not len(required):
            return required
        optional = self.node(node.b)
        _, left, right = np.intersect1d(
            required.ids, optional.ids, assume_unique=True, return_indices=True
        )
        scores = required.scores.copy()
        scores[left] += optional.scores[right]
        return boosted(Matches(required.ids, scores), node.boost)

    def _term(self, node: Q.Term) -> Matches:
        stats, fieldname = self.statistics, node.fieldname
        if not stats.holds_field(fieldname):
            return NO_MATCHES
        postings = stats.postings(fieldname, node.text)
        if not len(postings.ids):
            return NO_MATCHES
        if stats.scorable(fieldname):
            B, K1 = self.parameters.of(fieldname)
            scores = bm25f(
                postings.weights,
                stats.field_lengths(fieldname)[postings.ids],
                stats.average_length(fieldname),
                postings.doc_frequency,
                stats.collection_documents,
                B,
                K1,
            )
        else:  # Whoosh scores an unscorable field's posting by its weight
            scores = postings.weights.astype(np.float64)
        return boosted(Matches(postings.ids, scores), node.boost)


def boosted(matches: Matches, boost: float) -> Matches:
    if boost == 1.0:
        return matches
    return Matches(matches.ids, matches.scores * boost)


def intersection(parts: list[Matches]) -> Matches:
    """Documents in every part; scores summed (Whoosh's IntersectionMatcher)."""
    parts = sorted(parts, key=len)  # smallest first keeps the intermediate arrays small
    ids, scores = parts[0].ids, parts[0].scores
    for part in parts[1:]:
        if not len(ids):
            break
        ids, left, right = np.intersect1d(ids, part.ids, assume_unique=True, return_indices=True)
        scores = scores[left] + part.scores[right]
    return Matches(ids, scores)


def union(parts: list[Matches], doc_count: int) -> Matches:
    """Documents in any part; scores summed (Whoosh's UnionMatcher)."""
    parts = [part for part in parts if len(part)]
    if not parts:
        return NO_MATCHES
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([part.ids for part in parts])
    scores = np.concatenate([part.scores for part in parts])
    if len(ids) * 16 >= doc_count:
        # Dense: one pass over an array as long as the index.
        totals = np.bincount(ids, weights=scores, minlength=doc_count)
        present = np.bincount(ids, minlength=doc_count) > 0
        unique = np.flatnonzero(present)
        return Matches(unique, totals[unique])
    unique, inverse = np.unique(ids, return_inverse=True)
    return Matches(unique, np.bincount(inverse, weights=scores))
