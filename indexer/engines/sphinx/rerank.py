"""The cluster's candidates scored as the Whoosh backend scores (indexer/termstats.py
says why): the same query trees evaluated by the same Evaluator, over the candidates'
own terms instead of an index's postings, with the whole cluster's document
frequencies, document count and average field lengths.

Candidates are numbered 0..n-1 in the order given; a term's "postings" are the
candidates holding it, with its frequency in the field.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
from whoosh import query as Q

from indexer.deadline import NO_DEADLINE, Deadline
from indexer.engines.sphinx.termstats import (
    SAME_POSITION,
    CollectionStats,
    decode_positions,
    token_count,
)
from indexer.engines.whoosh.evaluation import EMPTY_IDS, Evaluator, Matches
from indexer.engines.whoosh.private import stored_lengths
from indexer.search.passages import FIELD as PASSAGE_FIELD


@dataclass(frozen=True)
class Candidate:
    """A document the cluster found: its cluster id and its fields' terms strings."""

    id: int
    terms: dict[str, str]

    @classmethod
    def from_row(cls, row_id: int, terms_json: str) -> Candidate:
        return cls(int(row_id), json.loads(terms_json) if terms_json else {})


class CandidateArrays:
    """What the Evaluator reads of an index, for the candidates; ``wanted``: the (field,
    term) pairs the queries read (only those are counted)."""

    def __init__(
        self,
        candidates: list[Candidate],
        stats: CollectionStats,
        wanted: Iterable[tuple[str, str]],
    ) -> None:
        self.doc_count_all = len(candidates)
        self.collection_documents = max(1, stats.documents)
        self.live = np.ones(len(candidates), dtype=bool)
        self.live_ids = np.arange(len(candidates), dtype=np.int64)
        self.has_deletions = False
        self._stats = stats
        self._wanted: dict[str, set[str]] = {}
        for fieldname, term in wanted:
            self._wanted.setdefault(fieldname, set()).add(term)
        self._counts: dict[str, list[Counter[str]]] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._candidates = candidates

    def frequencies(self, fieldname: str, term: str) -> np.ndarray:
        """How often each candidate's field holds ``term``, one of the wanted terms."""
        if fieldname not in self._counts:
            self._counts[fieldname] = self._count_wanted(fieldname)
        return np.array([c[term] for c in self._counts[fieldname]], dtype=np.float32)

    def _count_wanted(self, fieldname: str) -> list[Counter[str]]:
        # One regular-expression scan per document finds every wanted term (a whole
        # token, after a space or SAME_POSITION): counting all of a document's tokens
        # in Python cost most of a request.
        terms = sorted(self._wanted.get(fieldname, ()), key=len, reverse=True)
        if not terms:
            return [Counter() for _ in self._candidates]
        alternatives = "|".join(re.escape(term) for term in terms)
        pattern = re.compile(f"(?:^| ){re.escape(SAME_POSITION)}?({alternatives})(?= |$)")
        return [Counter(pattern.findall(c.terms.get(fieldname, ""))) for c in self._candidates]

    def field_lengths(self, reader: Any, fieldname: str) -> np.ndarray:
        if fieldname not in self._lengths:
            counted = np.array(
                [token_count(c.terms.get(fieldname, "")) for c in self._candidates],
                dtype=np.int64,
            )
            self._lengths[fieldname] = stored_lengths(counted)
        return self._lengths[fieldname]

    def average_length(self, searcher: Any, fieldname: str) -> float:
        return self._stats.average_length(fieldname)

    def holds_phrase(self, number: int, fieldname: str, words: list[str], slop: int) -> bool:
        """Whether candidate ``number``'s field holds the words in order, each within
        ``slop`` positions of the words before it (as Whoosh's SpanNear2, mindist 1)."""
        wanted = set(words)
        positions: dict[str, list[int]] = {}
        encoded = self._candidates[number].terms.get(fieldname, "")
        for position, term in decode_positions(encoded):
            if term in wanted:
                positions.setdefault(term, []).append(position)
        spans = {(start, start) for start in positions.get(words[0], [])}
        for word in words[1:]:
            found = positions.get(word, [])
            # A span grows by a word standing after its start, 1 to slop past its end.
            spans = {
                (start, max(end, at))
                for start, end in spans
                for at in found
                if at >= start and 1 <= (at - end if at > end else 0) <= slop
            }
        return bool(spans)


class CandidateEvaluator(Evaluator):
    """Evaluator over candidates: terms from their terms strings, frequencies from the
    cluster's. Query trees of words (terms, And, Or, AndMaybe, AndNot, Not) only; a
    node only Whoosh's matchers can evaluate matches nothing here."""

    def __init__(
        self,
        schema: Any,
        weighting: Any,
        arrays: CandidateArrays,
        frequencies: dict[tuple[str, str], int],
        deadline: Deadline = NO_DEADLINE,
    ) -> None:
        self.searcher = None
        self.reader = None
        self.deadline = deadline
        self.schema = schema
        self.weighting = weighting
        self.arrays = arrays  # type: ignore[assignment]
        self.frequencies = frequencies
        self._terms = {}

    def _term_postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray, int]:
        key = (fieldname, btext)
        found = self._terms.get(key)
        if found is not None:
            return found
        text = btext.decode("utf-8")
        counts = self.arrays.frequencies(fieldname, text)  # type: ignore[attr-defined]
        ids = np.flatnonzero(counts).astype(np.int64)
        weights = counts[ids]
        frequency = max(self.frequencies.get((fieldname, text), 0), len(ids))
        found = (ids, weights, frequency)
        self._terms[key] = found
        return found

    def _whoosh(self, node: Q.Query) -> Matches:
        if type(node) is Q.Phrase:
            return self._phrase(node)
        return Matches(EMPTY_IDS, np.zeros(0))

    def _phrase(self, node: Q.Phrase) -> Matches:
        """As Whoosh scores a phrase: the sum of its words' scores, in the documents
        holding them in order (within the slop), times the phrase's boost."""
        words = [str(word) for word in node.words]
        if node.fieldname not in self.schema or not words:
            return Matches(EMPTY_IDS, np.zeros(0))
        every_word = self._node(Q.And([Q.Term(node.fieldname, word) for word in words]))
        arrays: CandidateArrays = self.arrays  # type: ignore[assignment]
        keep = np.array(
            [arrays.holds_phrase(int(n), node.fieldname, words, node.slop) for n in every_word.ids],
            dtype=bool,
        )
        if not len(keep):
            return every_word
        return Matches(every_word.ids[keep], every_word.scores[keep] * node.boost)


def query_terms(queries: Iterable[Q.Query | None]) -> set[tuple[str, str]]:
    """Every (field, term) the queries read."""
    return {
        (fieldname, text if isinstance(text, str) else text.decode("utf-8"))
        for query in queries
        if query is not None
        for fieldname, text in query.iter_all_terms()
    }


def body_occurrences(candidate: Candidate, morphemes: set[str]) -> list[tuple[int, str]]:
    """Where the morphemes stand in the candidate's body: (position, morpheme)."""
    return [
        (position, term)
        for position, term in decode_positions(candidate.terms.get(PASSAGE_FIELD, ""))
        if term in morphemes
    ]
