"""Query trees evaluated over whole postings arrays instead of Whoosh's matchers.

A Term becomes (document numbers, BM25F scores) computed for all its postings at
once; And, Or and AndNot combine those arrays. The scores are Whoosh's own: the same
BM25F formula and per-field B and K1, the same global statistics (idf from document
frequencies with deleted documents counted, average field length over every
document), the same boosts, and a compound's boost ignored when it has one child, as
Whoosh does. Node types without an array form (phrases, spans...) are handed to
Whoosh's matcher for that subtree, so any query still works; tests/test_evaluation.py
checks the two agree.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import partial

import numpy as np
from whoosh import query as Q

from indexer.deadline import NO_DEADLINE, Deadline
from indexer.engines.whoosh.postings import PostingsCache, segment_key
from indexer.engines.whoosh.private import deleted_documents, read_field_lengths, read_term_postings

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_SCORES = np.zeros(0, dtype=np.float64)
WHOOSH_CHECK_EVERY = 256  # documents a Whoosh matcher yields between deadline checks


@dataclass(frozen=True)
class Matches:
    """Matching documents (ascending, unique global numbers) and their scores."""

    ids: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


NO_MATCHES = Matches(EMPTY_IDS, EMPTY_SCORES)


class ReaderArrays:
    """What one committed index state needs for array evaluation: segment offsets,
    live documents and the field lengths; shared by the threads reading that state."""

    def __init__(self, reader, cache: PostingsCache) -> None:
        self.cache = cache
        self.doc_count_all = reader.doc_count_all()
        self.collection_documents = self.doc_count_all  # the N of every term's idf
        self.leaf_keys: list[str] = []
        self.live = np.ones(self.doc_count_all, dtype=bool)
        for leaf, offset in reader.leaf_readers():
            self.leaf_keys.append(segment_key(leaf))
            self.live[deleted_documents(leaf) + offset] = False
        self.live_ids = np.flatnonzero(self.live)
        self.has_deletions = len(self.live_ids) < self.doc_count_all
        self._lengths: dict[str, np.ndarray] = {}
        self._average_lengths: dict[str, float] = {}
        self._lock = threading.Lock()

    def field_lengths(self, reader, fieldname: str) -> np.ndarray:
        """Every document's length of ``fieldname`` (global document numbers)."""
        lengths = self._lengths.get(fieldname)
        if lengths is not None:
            return lengths
        parts = []
        for (leaf, _), key in zip(reader.leaf_readers(), self.leaf_keys, strict=True):
            parts.append(
                self.cache.get_or_load(
                    (key, "length", fieldname),
                    partial(_lengths_entry, leaf, fieldname),
                )[0]
            )
        lengths = np.concatenate(parts) if parts else np.zeros(0)
        with self._lock:
            self._lengths[fieldname] = lengths
        return lengths

    def average_length(self, searcher, fieldname: str) -> float:
        if fieldname not in self._average_lengths:
            self._average_lengths[fieldname] = searcher.avg_field_length(fieldname) or 1
        return self._average_lengths[fieldname]


class Evaluator:
    """Evaluates queries for one request (one thread's searcher); terms read during the
    request are kept for its other queries (the relaxed one repeats most terms)."""

    def __init__(self, searcher, arrays: ReaderArrays, deadline: Deadline = NO_DEADLINE) -> None:
        self.searcher = searcher
        self.deadline = deadline
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.weighting = searcher.weighting  # a FieldBM25F: B and K1 per field
        self.arrays = arrays
        self._leaves = list(self.reader.leaf_readers())
        self._terms: dict[tuple[str, bytes], tuple[np.ndarray, np.ndarray, int]] = {}

    # -- public -----------------------------------------------------------------------------

    def evaluate(self, query: Q.Query | None) -> Matches:
        """Every live document the query matches, with its score; ``None``: all documents."""
        if query is None:
            ids = self.arrays.live_ids
            return Matches(ids, np.zeros(len(ids)))
        matches = self._node(query)
        if len(matches) and self.arrays.has_deletions:
            keep = self.arrays.live[matches.ids]
            matches = Matches(matches.ids[keep], matches.scores[keep])
        return matches

    def term_documents(self, fieldname: str, text: str | bytes) -> np.ndarray:
        """Documents (global numbers, deleted ones included) that hold a term."""
        return self._term_postings(fieldname, self._bytes(fieldname, text))[0]

    # -- nodes ------------------------------------------------------------------------------

    def _node(self, node: Q.Query) -> Matches:
        self.deadline.check()
        kind = type(node)
        if kind is Q.Term:
            return self._term(node)
        if kind is Q.Not:
            # Whoosh's InverseMatcher: every live document without the child, scoring 1.0
            # (so And/Or with NOT parts score as Whoosh does).
            excluded = self._node(node.query)
            live = self.arrays.live_ids
            ids = live[~np.isin(live, excluded.ids, assume_unique=True)]
            return Matches(ids, np.ones(len(ids)))
        if kind in (Q.And, Q.Or):
            if kind is Q.Or and (node.minmatch or node.scale):
                return self._whoosh(node)
            subs = node.subqueries
            if not subs:
                return NO_MATCHES
            if len(subs) == 1:  # Whoosh uses the child's matcher alone, without the boost
                return self._node(subs[0])
            parts = [self._node(sub) for sub in subs]
            combined = (
                _intersection(parts) if kind is Q.And else _union(parts, self.arrays.doc_count_all)
            )
            return _boosted(combined, node.boost)
        if kind is Q.AndNot:
            positive = self._node(node.a)
            if not len(positive):
                return positive
            excluded = self._node(node.b)
            keep = ~np.isin(positive.ids, excluded.ids, assume_unique=True)
            return Matches(positive.ids[keep], positive.scores[keep])
        if kind is Q.AndMaybe:  # documents of the first; the second adds to their scores
            required = self._node(node.a)
            if not len(required):
                return required
            optional = self._node(node.b)
            _, left, right = np.intersect1d(
                required.ids, optional.ids, assume_unique=True, return_indices=True
            )
            scores = required.scores.copy()
            scores[left] += optional.scores[right]
            return _boosted(Matches(required.ids, scores), node.boost)
        if kind is Q.Require:  # documents in both, scored by the first
            scored = self._node(node.a)
            if not len(scored):
                return scored
            keep = np.isin(scored.ids, self._node(node.b).ids, assume_unique=True)
            return Matches(scored.ids[keep], scored.scores[keep])
        if kind is Q.Every and node.fieldname in (None, "", "*"):
            ids = self.arrays.live_ids
            return Matches(ids, np.full(len(ids), float(node.boost or 1.0)))
        if node is Q.NullQuery or kind is type(Q.NullQuery):
            return NO_MATCHES
        return self._whoosh(node)

    def _term(self, node: Q.Term) -> Matches:
        fieldname = node.fieldname
        if fieldname not in self.schema:
            return NO_MATCHES
        try:
            btext = self._bytes(fieldname, node.text)
        except ValueError:
            return NO_MATCHES
        ids, weights, doc_frequency = self._term_postings(fieldname, btext)
        if not len(ids):
            return NO_MATCHES
        if self.schema[fieldname].scorable:
            B, K1 = self.weighting.parameters(fieldname)
            idf = math.log(self.arrays.collection_documents / (doc_frequency + 1)) + 1
            average = self.arrays.average_length(self.searcher, fieldname)
            lengths = self.arrays.field_lengths(self.reader, fieldname)[ids]
            tf = weights.astype(np.float64)
            scores = idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths / average)))
        else:  # Whoosh scores an unscorable field's posting by its weight
            scores = weights.astype(np.float64)
        return _boosted(Matches(ids, scores), node.boost)

    def _term_postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, int]:
        key = (fieldname, btext)
        found = self._terms.get(key)
        if found is not None:
            return found
        id_parts, weight_parts = [], []
        for (leaf, offset), leaf_key in zip(self._leaves, self.arrays.leaf_keys, strict=True):
            ids, weights = self.arrays.cache.get_or_load(
                (leaf_key, fieldname, btext),
                partial(read_term_postings, leaf, fieldname, btext),
            )
            if len(ids):
                id_parts.append(ids + offset)
                weight_parts.append(weights)
        if not id_parts:
            found = (EMPTY_IDS, np.zeros(0, dtype=np.float32), 0)
        elif len(id_parts) == 1:
            found = (id_parts[0], weight_parts[0], len(id_parts[0]))
        else:
            ids = np.concatenate(id_parts)
            found = (ids, np.concatenate(weight_parts), len(ids))
        self._terms[key] = found
        return found

    def _bytes(self, fieldname: str, text: str | bytes) -> bytes:
        return text if isinstance(text, bytes) else self.schema[fieldname].to_bytes(text)

    def _whoosh(self, node: Q.Query) -> Matches:
        """A subtree Whoosh's matchers evaluate, document by document."""
        ids: list[int] = []
        scores: list[float] = []
        context = self.searcher.context()
        for leaf_searcher, offset in self.searcher.leaf_searchers():
            matcher = node.matcher(leaf_searcher, context)
            while matcher.is_active():
                ids.append(offset + matcher.id())
                scores.append(matcher.score())
                matcher.next()
                if len(ids) % WHOOSH_CHECK_EVERY == 0:
                    self.deadline.check()
        if not ids:
            return NO_MATCHES
        id_array = np.array(ids, dtype=np.int64)
        score_array = np.array(scores, dtype=np.float64)
        if len(id_array) > 1 and np.any(np.diff(id_array) <= 0):  # keep ascending, unique
            id_array, first = np.unique(id_array, return_index=True)
            score_array = score_array[first]
        return Matches(id_array, score_array)


def _boosted(matches: Matches, boost: float) -> Matches:
    if boost == 1.0:
        return matches
    return Matches(matches.ids, matches.scores * boost)


def _intersection(parts: list[Matches]) -> Matches:
    """Documents in every part; scores summed (Whoosh's IntersectionMatcher)."""
    parts = sorted(parts, key=len)  # smallest first keeps the intermediate arrays small
    ids, scores = parts[0].ids, parts[0].scores
    for part in parts[1:]:
        if not len(ids):
            break
        ids, left, right = np.intersect1d(ids, part.ids, assume_unique=True, return_indices=True)
        scores = scores[left] + part.scores[right]
    return Matches(ids, scores)


def _union(parts: list[Matches], doc_count: int) -> Matches:
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


def _lengths_entry(leaf, fieldname: str) -> tuple[np.ndarray]:
    """A segment's field lengths as a cache entry (the postings cache holds tuples)."""
    return (read_field_lengths(leaf, fieldname),)
