"""One request on the cluster, as the engine-neutral search asks it (search/engine.py
``RequestEngine``): queries are Sphinx MATCH() texts translated from the query plan,
counts and pages are SphinxQL statements on the aggregator (statements.py), and the
best ``cluster_candidates`` matches are scored as the Whoosh backend scores them, from
their stored terms and the cluster's statistics (rerank.py).
"""

from __future__ import annotations

import dataclasses
import re
from itertools import combinations
from typing import TYPE_CHECKING, Any, Callable, Iterable

import numpy as np
from whoosh import query as Q

from indexer.engines.sphinx import statements
from indexer.engines.sphinx.hits import hit_of
from indexer.engines.sphinx.querytext import Untranslatable, sphinx_query, sphinx_word
from indexer.engines.sphinx.rerank import (
    Candidate,
    CandidateStatistics,
    body_occurrences,
    query_terms,
)
from indexer.engines.sphinx.statements import WEIGHT_SCALE, Asked, ClusterQuery
from indexer.engines.sphinx.termstats import read_frequencies
from indexer.fields import FACET_FIELDS, QUERY_FILTER_FIELDS
from indexer.messages import Notice
from indexer.model.facets import Facet
from indexer.model.request import CheckedRequest
from indexer.model.results import Hit
from indexer.query.spelling import Vocabulary
from indexer.query.textquery import TextQuery, text_query
from indexer.search.engine import PageRequest, Plan, Relaxing, Selection
from indexer.search.evaluation import QueryEvaluator
from indexer.search.passages import FIELD as PASSAGE_FIELD
from indexer.search.passages import passage_evidence, query_morphemes, with_passages
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS

if TYPE_CHECKING:
    from indexer.engines.sphinx.search import ClusterSearcher

_WORDLIKE = re.compile(r"\w")  # a word Sphinx indexes has a letter or a digit


class ClusterRequest:
    """The answers one request needs from the cluster's aggregator."""

    def __init__(self, searcher: ClusterSearcher, asked: Asked) -> None:
        self.searcher = searcher
        self.settings = searcher.settings
        self.asked = asked

    # -- planning ---------------------------------------------------------------------------

    def plan(self, checked: CheckedRequest) -> Plan:
        """The text query translated to Sphinx's syntax, its field:value terms as
        attribute conditions. Raw syntax, or a query with a node Sphinx has no
        counterpart for (a wildcard, a filter inside an OR), searches the words alone,
        in the cluster's own order."""
        if not checked.text.strip():
            return Plan(query=None, scored=None)
        notices: tuple[Notice, ...] = ()
        if not checked.raw:
            text = text_query(self.searcher.builder, checked.text, False, None, self.settings)
            notices = tuple(text.notices)
            if text.query is Q.NullQuery:
                return Plan(query=None, scored=None, notices=notices, nothing=True)
            try:
                return self._translated(text)
            except Untranslatable:
                pass
        words = [
            w for w in query_morphemes(self.searcher.analyzer, checked.text) if _WORDLIKE.search(w)
        ]
        if not words:
            return Plan(query=None, scored=None, notices=notices)
        joined = " ".join(sphinx_word(word) for word in words)
        return Plan(
            query=ClusterQuery(f"@(title,body) {joined}"),
            scored=None,
            relaxed=ClusterQuery(f'@(title,body) "{joined}"/1'),
            notices=notices,
        )

    def _translated(self, text: TextQuery) -> Plan:
        strict = cluster_query(text.query) if text.query is not None else None
        any_word = cluster_query(text.relaxed) if text.relaxed is not None else None

        def words() -> list[str]:
            # A word of a field:value term alone (strict_field_prefixes off) has no
            # MATCH() form to count among the words: it is left out of the count here.
            translated = []
            for word in text.words():
                try:
                    query = cluster_query(word)
                except Untranslatable:
                    continue
                if query.match and not query.required and not query.excluded:
                    translated.append(query.match)
            return translated

        return Plan(
            query=strict,
            scored=text.query,
            relaxed=any_word if any_word != strict else None,
            scored_relaxed=text.relaxed,
            words=words,
            min_word_fraction=text.min_word_fraction,
            notices=tuple(text.notices),
        )

    def holds(self, word: Any) -> bool:
        query = word if isinstance(word, ClusterQuery) else ClusterQuery(word)
        return statements.count(self.asked, query, self.searcher.everything) > 0

    def holds_text(self, word: str) -> bool:
        query = self.searcher.builder.word_query(word)
        if query is None:
            return False
        try:
            return self.holds(cluster_query(query))
        except Untranslatable:
            return False

    def vocabulary(self) -> Vocabulary:
        return self.searcher.vocabulary_of(self.asked)

    def morpheme_analyzer(self) -> Callable[..., Iterable[Any]]:
        return self.searcher.builder.morphemes

    def notices(self) -> list[Notice]:
        return [Notice("cluster_partial", {})] if self.asked.warnings else []

    # -- counting, paging, facets -----------------------------------------------------------

    def count(self, selection: Selection, checked: CheckedRequest, filtered: bool) -> int:
        match = _match_of(selection)
        if match is None:
            return 0
        within = checked if filtered else dataclasses.replace(checked, filters={})
        return statements.count(self.asked, match, within)

    def facets(self, selection: Selection, checked: CheckedRequest) -> list[Facet]:
        match = _match_of(selection)
        names = self.searcher.value_names(self.asked)
        return [
            statements.facet(self.asked, match or ClusterQuery(""), checked, name, names)
            for name in FACET_FIELDS
        ]

    def page(self, relaxing: Relaxing, checked: CheckedRequest, page: PageRequest) -> list[Hit]:
        """The page: from the scored candidates as far as they go, then in the cluster's
        own order (they are its best, so the rest follows without overlap)."""
        match = _match_of(relaxing.selection)
        if match is None:
            return []
        preferred: list[int] = []
        if relaxing.preferred is not None:
            strict = _match_of(relaxing.preferred) or ClusterQuery("")
            all_words = self.count(relaxing.preferred, checked, filtered=True)
            rows = statements.rows(self.asked, self.settings, strict, checked, [], 0, all_words, "")
            preferred = [int(row[0]) for row in rows]
        ranking: list[tuple[int, float]] = []
        if page.ranked and relaxing.scored is not None:
            ranking = self._rescored(match, checked, preferred, relaxing.scored)
        marked_by = relaxing.scored if page.highlight else None
        end = page.start + page.size
        scored = ranking[page.start : end]
        stored = {}
        if scored:
            stored = {
                row[0]: row for row in statements.stored_rows(self.asked, [i for i, _ in scored])
            }
        hits = [
            self._hit(stored[i], score if page.ranked else None, marked_by, page.unmarked)
            for i, score in scored
            if i in stored
        ]
        start = max(page.start, len(ranking))
        if end > start and (not ranking or len(ranking) >= self.settings.cluster_candidates):
            rows = statements.rows(
                self.asked,
                self.settings,
                match,
                checked,
                preferred,
                start,
                end - start,
                "doc_id, stored",
            )
            hits += [
                self._hit(
                    row,
                    float(row[1]) / WEIGHT_SCALE if page.ranked else None,
                    marked_by,
                    page.unmarked,
                )
                for row in rows
            ]
        return hits

    def _hit(
        self, row: tuple, score: float | None, marked_by: Any, unmarked: frozenset[str]
    ) -> Hit:
        return hit_of(row, score, marked_by, unmarked, self.searcher.schema, self.settings)

    def _rescored(
        self, match: ClusterQuery, checked: CheckedRequest, preferred: list[int], query: Q.Query
    ) -> list[tuple[int, float]]:
        """The cluster's best ``cluster_candidates`` matches (cluster id, score), ordered
        by the Whoosh backend's scores: BM25F with the cluster's statistics, documents
        with every word ahead when relaxed, and the passage evidence."""
        asked, settings = self.asked, self.settings
        rows = statements.rows(
            asked, settings, match, checked, preferred, 0, settings.cluster_candidates, "terms"
        )
        candidates = [Candidate.from_row(row[0], row[2]) for row in rows]
        if not candidates:
            return []
        morphemes = query_morphemes(self.searcher.analyzer, checked.text)
        wanted = query_terms([query]) | {(PASSAGE_FIELD, m) for m in morphemes}
        frequencies = read_frequencies(asked.connection, asked.generation, wanted)
        # Every candidate has the field:value terms the query required.
        held = frozenset(match.required)
        statistics = CandidateStatistics(candidates, asked.totals, wanted, frequencies, held)
        matches = QueryEvaluator(statistics, self.searcher.parameters).evaluate(query)
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
                positions, scores, checked.text, self.searcher.analyzer, settings, evidence_of
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


def _match_of(selection: Selection) -> ClusterQuery | None:
    """The selection as one query (an empty MATCH() for every document); None when
    nothing can match (enough words asked of none). Enough words is every choice of
    that many of them, joined by OR: Sphinx 2.2 has no "at least n of these" operator."""
    query = selection.query or ClusterQuery("")
    if selection.words is None:
        return query
    if not selection.words:
        return None
    choices = " | ".join(
        "(" + " ".join(chosen) + ")" for chosen in combinations(selection.words, selection.at_least)
    )
    match = f"({query.match}) ({choices})" if query.match else f"({choices})"
    return ClusterQuery(match, query.required, query.excluded)


def cluster_query(node: Q.Query) -> ClusterQuery:
    """A query tree as the cluster runs it: its field:value terms required at the top
    (category:X 버스) or excluded there (-category:X) as attribute conditions, the rest
    as a MATCH() text; Untranslatable for what has no counterpart."""
    excluded: tuple[tuple[str, str], ...] = ()
    if type(node) is Q.AndNot:
        negatives = node.b.subqueries if type(node.b) is Q.Or else [node.b]
        excluded = tuple(_pairs(negatives))
        others = [child for child in negatives if not _is_filter_term(child)]
        if others:
            kept = others[0] if len(others) == 1 else Q.Or(others)
            node = Q.AndNot(node.a, kept)
        elif excluded:
            node = node.a
    children = node.subqueries if type(node) is Q.And else [node]
    required = tuple(_pairs(children))
    rest = [child for child in children if not _is_filter_term(child)]
    if not required:
        return ClusterQuery(sphinx_query(node), (), excluded)
    if not rest:
        return ClusterQuery("", required, excluded)
    text = rest[0] if len(rest) == 1 else Q.And(rest)
    return ClusterQuery(sphinx_query(text), required, excluded)


def _pairs(nodes: list[Q.Query]) -> list[tuple[str, str]]:
    return [(node.fieldname, str(node.text)) for node in nodes if _is_filter_term(node)]


def _is_filter_term(node: Q.Query) -> bool:
    return type(node) is Q.Term and node.fieldname in QUERY_FILTER_FIELDS
