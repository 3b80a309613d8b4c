"""The cluster's candidates scored as the Whoosh backend scores (termstats.py says why):
the same query trees evaluated by the same evaluator (search/evaluation.py), over the
candidates' own terms instead of an index's postings, with the whole cluster's document
frequencies, document count and average field lengths.

Candidates are numbered 0..n-1 in the order given; a term's "postings" are the
candidates holding it, with its frequency in the field.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

import numpy as np
from whoosh import query as Q

from indexer.engines.sphinx import statements
from indexer.engines.sphinx.statements import Asked, ClusterQuery
from indexer.engines.sphinx.termstats import (
    SAME_POSITION,
    CollectionStats,
    decode_positions,
    read_frequencies,
    token_count,
)
from indexer.engines.whoosh.private import stored_lengths
from indexer.fields import BIGRAM_FIELDS, TEXT_FIELDS
from indexer.model.request import CheckedRequest
from indexer.search.evaluation import NO_MATCHES, Matches, Postings, QueryEvaluator
from indexer.search.passages import FIELD as PASSAGE_FIELD
from indexer.search.passages import passage_evidence, query_morphemes, with_passages
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS

if TYPE_CHECKING:
    from indexer.engines.sphinx.search import ClusterSearcher

SCORED_FIELDS = frozenset((*TEXT_FIELDS, *BIGRAM_FIELDS))  # by BM25F; others by weight


@dataclass(frozen=True)
class Candidate:
    """A document the cluster found: its cluster id and its fields' terms strings."""

    id: int
    terms: dict[str, str]

    @classmethod
    def from_row(cls, row_id: int, terms_json: str) -> Candidate:
        return cls(int(row_id), json.loads(terms_json) if terms_json else {})


class CandidateStatistics:
    """The candidates as a provider of statistics for the array evaluation
    (search/evaluation.py): a term's postings are the candidates holding it, with its
    frequency in the field, and the whole cluster's document frequency; ``wanted``: the
    (field, term) pairs the queries read (only those are counted)."""

    def __init__(
        self,
        candidates: list[Candidate],
        stats: CollectionStats,
        wanted: Iterable[tuple[str, str]],
        frequencies: dict[tuple[str, str], int],
        held_by_all: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.doc_count_all = len(candidates)
        self._held_by_all = held_by_all  # (field, value) terms every candidate has
        self.collection_documents = max(1, stats.documents)
        self.live = np.ones(len(candidates), dtype=bool)
        self.live_ids = np.arange(len(candidates), dtype=np.int64)
        self.has_deletions = False
        self._stats = stats
        self._frequencies = frequencies
        self._wanted: dict[str, set[str]] = {}
        for fieldname, term in wanted:
            self._wanted.setdefault(fieldname, set()).add(term)
        self._counts: dict[str, list[Counter[str]]] = {}
        self._lengths: dict[str, np.ndarray] = {}
        self._candidates = candidates

    def holds_field(self, fieldname: str) -> bool:
        return True  # a field the candidates lack terms of matches nothing

    def scorable(self, fieldname: str) -> bool:
        return fieldname in SCORED_FIELDS

    def postings(self, fieldname: str, text: str | bytes) -> Postings:
        term = text if isinstance(text, str) else text.decode("utf-8")
        if (fieldname, term) in self._held_by_all:
            held = max(self._frequencies.get((fieldname, term), 0), len(self.live_ids))
            return Postings(self.live_ids, np.ones(len(self.live_ids), dtype=np.float32), held)
        if fieldname not in self._counts:
            self._counts[fieldname] = self._count_wanted(fieldname)
        counts = np.array([c[term] for c in self._counts[fieldname]], dtype=np.float32)
        ids = np.flatnonzero(counts).astype(np.int64)
        held = max(self._frequencies.get((fieldname, term), 0), len(ids))
        return Postings(ids, counts[ids], held)

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

    def field_lengths(self, fieldname: str) -> np.ndarray:
        if fieldname not in self._lengths:
            counted = np.array(
                [token_count(c.terms.get(fieldname, "")) for c in self._candidates],
                dtype=np.int64,
            )
            self._lengths[fieldname] = stored_lengths(counted)
        return self._lengths[fieldname]

    def average_length(self, fieldname: str) -> float:
        return self._stats.average_length(fieldname)

    def other_node(self, node: Q.Query, evaluator: QueryEvaluator) -> Matches:
        """Phrases, from the candidates' positions; any other node without an array form
        matches nothing here (the query plan makes none)."""
        if type(node) is not Q.Phrase:
            return NO_MATCHES
        # As Whoosh scores a phrase: the sum of its words' scores, in the documents
        # holding them in order (within the slop), times the phrase's boost.
        words = [str(word) for word in node.words]
        if not words:
            return NO_MATCHES
        every_word = evaluator.node(Q.And([Q.Term(node.fieldname, word) for word in words]))
        keep = np.array(
            [self.holds_phrase(int(n), node.fieldname, words, node.slop) for n in every_word.ids],
            dtype=bool,
        )
        if not len(keep):
            return every_word
        return Matches(every_word.ids[keep], every_word.scores[keep] * node.boost)

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


def rescored(
    searcher: ClusterSearcher,
    asked: Asked,
    match: ClusterQuery,
    checked: CheckedRequest,
    preferred: list[int],
    query: Q.Query,
) -> list[tuple[int, float]]:
    """The cluster's best ``cluster_candidates`` matches (cluster id, score), ordered
    by the Whoosh backend's scores: BM25F with the cluster's statistics, documents
    with every word ahead when relaxed, and the passage evidence."""
    settings = searcher.settings
    rows = statements.rows(
        asked, settings, match, checked, preferred, 0, settings.cluster_candidates, "terms"
    )
    candidates = [Candidate.from_row(row[0], row[2]) for row in rows]
    if not candidates:
        return []
    morphemes = query_morphemes(searcher.analyzer, checked.text)
    wanted = query_terms([query]) | {(PASSAGE_FIELD, m) for m in morphemes}
    frequencies = read_frequencies(asked.connection, asked.generation, wanted)
    # Every candidate has the field:value terms the query required.
    held = frozenset(match.required)
    statistics = CandidateStatistics(candidates, asked.totals, wanted, frequencies, held)
    matches = QueryEvaluator(statistics, searcher.parameters).evaluate(query)
    positions = np.arange(len(candidates))
    scores = np.zeros(len(candidates))
    scores[matches.ids] = matches.scores
    if preferred:
        ids = np.array([c.id for c in candidates])
        scores[np.isin(ids, preferred)] += PREFERRED_BONUS
    if settings.passage_weight > 0 and not checked.raw:

        def evidence_of(best: np.ndarray, morphemes: list[str]) -> list[float]:
            chosen = [candidates[int(n)] for n in best]
            return passage_evidence(
                [body_occurrences(c, set(morphemes)) for c in chosen],
                {m: frequencies.get((PASSAGE_FIELD, m), 0) for m in morphemes},
                asked.totals.documents,
                lambda: statements.titles(asked, [c.id for c in chosen]),
                settings.shared_title_weight,
            )

        scores = with_passages(
            positions, scores, checked.text, searcher.analyzer, settings, evidence_of
        )
    order = top_documents(positions, scores, len(candidates))
    bonus = set(preferred)
    return [
        (
            candidates[n].id,
            float(scores[n]) - (PREFERRED_BONUS if candidates[n].id in bonus else 0.0),
        )
        for n in order
    ]


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
