"""The Whoosh index as a provider of statistics for the array evaluation
(search/evaluation.py): postings and field lengths read from the segments through the
shared postings cache, instead of Whoosh's matchers. Phrases of consecutive words are
evaluated over the arrays too (phrases.py); other node types without an array form
(spans, sloppy phrases...) are handed to Whoosh's matcher for that subtree, so any query
still works; tests/test_evaluation.py and test_phrases.py check the two agree.
"""

from __future__ import annotations

import itertools
import threading
from functools import partial

import numpy as np
from whoosh import query as Q

from indexer.deadline import NO_DEADLINE, Deadline
from indexer.engines.whoosh.blockvalues import SegmentCache
from indexer.engines.whoosh.phrases import is_consecutive_phrase, phrase_matches
from indexer.engines.whoosh.postings import PostingsCache, segment_key
from indexer.engines.whoosh.private import deleted_documents, read_field_lengths, read_term_postings
from indexer.search.evaluation import (
    NO_MATCHES,
    NO_POSTINGS,
    Matches,
    Postings,
    QueryEvaluator,
)

WHOOSH_CHECK_EVERY = 256  # documents a Whoosh matcher yields between deadline checks
_STATES = itertools.count()  # numbers the ReaderArrays: keys of their phrase matches


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
        # Posting blocks read for positions and offsets, kept under these segments' keys.
        self.segment_cache = SegmentCache(cache, self.leaf_keys)
        self._lengths: dict[str, np.ndarray] = {}
        self._average_lengths: dict[str, float] = {}
        self._lock = threading.Lock()
        # Matches computed for this state alone (their scores read its statistics) are
        # kept in the shared cache under this number.
        self.state = next(_STATES)

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


class WhooshStatistics:
    """The statistics of one committed index state, read by one request's searcher:
    postings from the segments (through the shared cache), field lengths, and Whoosh's
    matchers for the nodes without an array form."""

    def __init__(self, searcher, arrays: ReaderArrays) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.arrays = arrays
        self.doc_count_all = arrays.doc_count_all
        self.collection_documents = arrays.collection_documents
        self.live = arrays.live
        self.live_ids = arrays.live_ids
        self.has_deletions = arrays.has_deletions
        self._leaves = list(self.reader.leaf_readers())
        # Terms read during the request, for its other queries (the relaxed one repeats
        # most terms).
        self._terms: dict[tuple[str, bytes], Postings] = {}
        # Whoosh-matched subtrees (phrases of a word's bigrams) evaluated during the
        # request: counting, relaxing, reasons and corrections ask for the same ones again
        # (72% of their time on bench/perf.py's queries was such repeats, issue 27).
        self._others: dict[Q.Query, Matches] = {}

    def holds_field(self, fieldname: str) -> bool:
        return fieldname in self.schema

    def scorable(self, fieldname: str) -> bool:
        return bool(self.schema[fieldname].scorable)

    def field_lengths(self, fieldname: str) -> np.ndarray:
        return self.arrays.field_lengths(self.reader, fieldname)

    def average_length(self, fieldname: str) -> float:
        return self.arrays.average_length(self.searcher, fieldname)

    def postings(self, fieldname: str, text: str | bytes) -> Postings:
        try:
            btext = text if isinstance(text, bytes) else self.schema[fieldname].to_bytes(text)
        except ValueError:  # not a value of this field (a word in a numeric field)
            return NO_POSTINGS
        key = (fieldname, btext)
        found = self._terms.get(key)
        if found is None:
            found = self._read_postings(fieldname, btext)
            self._terms[key] = found
        return found

    def _read_postings(self, fieldname: str, btext: bytes) -> Postings:
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
            return NO_POSTINGS
        if len(id_parts) == 1:
            return Postings(id_parts[0], weight_parts[0], len(id_parts[0]))
        ids = np.concatenate(id_parts)
        return Postings(ids, np.concatenate(weight_parts), len(ids))

    def other_node(self, node: Q.Query, evaluator: QueryEvaluator) -> Matches:
        """A subtree without an array form of its own: phrases of consecutive words (a
        word of three syllables or more in the bigram fields) over the arrays and the
        stored positions (phrases.py), anything else by Whoosh's matchers, document by
        document. Equal queries, boost
        included, have equal matches in one index state, so they are kept for the state
        in the postings cache: over bench/perf.py's 240 x1 queries phrases were about
        30% of a keyword search's time, and a quarter of them came again in another."""
        found = self._others.get(node)
        if found is None:
            ids, scores = self.arrays.cache.get_or_load(
                (self.arrays.state, "matched", node),
                lambda: _owned_arrays(self._matched(node, evaluator)),
            )
            found = self._others[node] = Matches(ids, scores)
        return found

    def _matched(self, node: Q.Query, evaluator: QueryEvaluator) -> Matches:
        if is_consecutive_phrase(node):
            return phrase_matches(
                node, evaluator, self.searcher, self.arrays.segment_cache, evaluator.deadline
            )
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
                    evaluator.deadline.check()
        if not ids:
            return NO_MATCHES
        id_array = np.array(ids, dtype=np.int64)
        score_array = np.array(scores, dtype=np.float64)
        if len(id_array) > 1 and np.any(np.diff(id_array) <= 0):  # keep ascending, unique
            id_array, first = np.unique(id_array, return_index=True)
            score_array = score_array[first]
        return Matches(id_array, score_array)


class Evaluator(QueryEvaluator):
    """The query evaluator over one request's searcher (search/evaluation.py), with the
    searcher at hand for what reads stored fields (marks)."""

    def __init__(self, searcher, arrays: ReaderArrays, deadline: Deadline = NO_DEADLINE) -> None:
        statistics = WhooshStatistics(searcher, arrays)
        super().__init__(statistics, searcher.weighting.parameters_all, deadline)
        self.searcher = searcher
        self.reader = statistics.reader
        self.arrays = arrays


def _owned_arrays(matches: Matches) -> tuple[np.ndarray, np.ndarray]:
    """The matches' arrays, to be made read-only in the cache: copies of the empty ones
    everyone shares (NO_MATCHES)."""
    if matches is NO_MATCHES:
        return matches.ids.copy(), matches.scores.copy()
    return matches.ids, matches.scores


def _lengths_entry(leaf, fieldname: str) -> tuple[np.ndarray]:
    """A segment's field lengths as a cache entry (the postings cache holds tuples)."""
    return (read_field_lengths(leaf, fieldname),)
