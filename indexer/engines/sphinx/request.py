"""One request on the cluster, as the engine-neutral search asks it (search/engine.py
``RequestEngine``): queries are Sphinx MATCH() texts translated from the query plan,
counts and pages are SphinxQL statements on the aggregator (statements.py), and the
best ``cluster_candidates`` matches are scored as the Whoosh backend scores them, from
their stored terms and the cluster's statistics (rerank.py).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

import numpy as np

from indexer.engines.sphinx import statements
from indexer.engines.sphinx.hits import hit_of
from indexer.engines.sphinx.ids import stable_id
from indexer.engines.sphinx.meaning import cluster_neighbours, fused_ranking
from indexer.engines.sphinx.plan import cluster_query, plan_of, selected_query
from indexer.engines.sphinx.querytext import Untranslatable
from indexer.engines.sphinx.rerank import rescored
from indexer.engines.sphinx.statements import WEIGHT_SCALE, Asked, ClusterQuery
from indexer.fields import FACET_FIELDS
from indexer.messages import Notice
from indexer.model.facets import Facet
from indexer.model.request import CheckedRequest
from indexer.model.results import RELATED, Hit
from indexer.query.spelling import Vocabulary
from indexer.search.engine import PageRequest, Plan, Relaxing, Selection
from indexer.search.semantic import Neighbours, QueryVector, labelled

if TYPE_CHECKING:
    from indexer.engines.sphinx.search import ClusterSearcher


class ClusterRequest:
    """The answers one request needs from the cluster's aggregator."""

    def __init__(self, searcher: ClusterSearcher, asked: Asked) -> None:
        self.searcher = searcher
        self.settings = searcher.settings
        self.asked = asked
        self.vector_problem = ""  # why similar meaning was not searched

    def plan(self, checked: CheckedRequest) -> Plan:
        return plan_of(self.searcher, checked)

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

    def policy_terms(self) -> frozenset[str]:
        return self.searcher.builder.expansions.thesaurus.words

    def notices(self) -> list[Notice]:
        notices = [Notice("cluster_partial", {})] if self.asked.warnings else []
        if self.vector_problem:
            notices.append(Notice("semantic_unavailable", {"reason": self.vector_problem}))
        return notices

    def vector_rows(self) -> np.ndarray:
        return self.searcher.vectors_of(self.asked).matrix

    def neighbours(
        self, vector_of: QueryVector, relaxing: Relaxing, checked: CheckedRequest
    ) -> Neighbours:
        table = self.searcher.vectors_of(self.asked)
        self.vector_problem = table.problem
        match = selected_query(relaxing.selection)
        return cluster_neighbours(self.asked, table, vector_of, match, checked, self.settings)

    def holding(self, query: Any, hits: Sequence[Hit]) -> frozenset[str]:
        try:
            match = cluster_query(query)
        except Untranslatable:
            return frozenset()
        by_id = {stable_id(hit.id): hit.id for hit in hits}
        return frozenset(
            by_id[i]
            for i in statements.among(self.asked, match, list(by_id), self.searcher.everything)
        )

    # -- counting, paging, facets -----------------------------------------------------------

    def count(self, selection: Selection, checked: CheckedRequest) -> int:
        match = selected_query(selection)
        return statements.count(self.asked, match, checked) if match is not None else 0

    def facets(self, selection: Selection, checked: CheckedRequest) -> list[Facet]:
        match = selected_query(selection)
        names = self.searcher.value_names(self.asked)
        return [
            statements.facet(self.asked, match or ClusterQuery(""), checked, name, names)
            for name in FACET_FIELDS
        ]

    def page(self, relaxing: Relaxing, checked: CheckedRequest, page: PageRequest) -> list[Hit]:
        """The page: from the scored candidates as far as they go, then in the cluster's
        own order (they are its best, so the rest follows without overlap)."""
        match = selected_query(relaxing.selection)
        if match is None:
            return []
        preferred = preferred_ids(self, relaxing, checked)
        ranking: list[tuple[int, float]] = []
        if page.ranked and relaxing.scored is not None:
            ranking = rescored(
                self.searcher, self.asked, match, checked, preferred, relaxing.scored
            )
        marked_by = relaxing.scored if page.highlight else None
        matched = set(preferred) if relaxing.relaxed else None
        ranking, by_meaning = fused_ranking(ranking, matched, page.neighbours(), self.settings)
        scored_matched = matched  # found by meaning alone: related, even then
        if by_meaning and matched is None:
            scored_matched = {i for i, _ in ranking if i not in by_meaning}
        end = page.start + page.size
        scored = ranking[page.start : end]
        stored = {}
        if scored:
            stored = {
                row[0]: row for row in statements.stored_rows(self.asked, [i for i, _ in scored])
            }
        hits = [
            self._hit(
                stored[i], score if page.ranked else None, marked_by, page.unmarked, scored_matched
            )
            for i, score in scored
            if i in stored
        ]
        hits = labelled(hits, [stable_id(hit.id) in by_meaning for hit in hits])
        # The cluster's own order goes on where the scored candidates end (its best).
        ranking_keyword = len(ranking) - len(by_meaning)
        start = max(page.start, len(ranking))
        if end > start and (not ranking or ranking_keyword >= self.settings.cluster_candidates):
            rows = statements.rows(
                self.asked,
                self.settings,
                match,
                checked,
                preferred,
                start - len(by_meaning),
                end - start,
                "doc_id, stored",
            )
            hits += [
                self._hit(
                    row,
                    float(row[1]) / WEIGHT_SCALE if page.ranked else None,
                    marked_by,
                    page.unmarked,
                    matched,
                )
                for row in rows
            ]
        return hits

    def _hit(
        self,
        row: tuple,
        score: float | None,
        marked_by: Any,
        unmarked: frozenset[str],
        matched: set[int] | None,
    ) -> Hit:
        """The hit of a row; related when ``matched`` (the matches, when related
        results follow) does not hold it."""
        hit = hit_of(row, score, marked_by, unmarked, self.searcher.schema, self.settings)
        if matched is not None and int(row[0]) not in matched:
            return dataclasses.replace(hit, tier=RELATED)
        return hit


def preferred_ids(
    request: ClusterRequest, relaxing: Relaxing, checked: CheckedRequest
) -> list[int]:
    """The ids of the matches when related results follow (empty otherwise)."""
    if relaxing.preferred is None:
        return []
    strict = selected_query(relaxing.preferred) or ClusterQuery("")
    all_words = request.count(relaxing.preferred, checked)
    rows = statements.rows(request.asked, request.settings, strict, checked, [], 0, all_words, "")
    return [int(row[0]) for row in rows]
