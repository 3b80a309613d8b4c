"""Similar meaning on the cluster (search/semantic.py's rule): the neighbours within the
request's filters, asked of the aggregator in batches, and the scored candidates in the
fused order."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from indexer.config import Settings
from indexer.engines.sphinx import statements
from indexer.engines.sphinx.statements import Asked, ClusterQuery
from indexer.model.request import CheckedRequest
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS
from indexer.search.semantic import (
    NO_NEIGHBOURS,
    Neighbours,
    QueryVector,
    fuse,
    nearest_rows,
)

if TYPE_CHECKING:
    from indexer.engines.sphinx.search import ClusterVectors


def cluster_neighbours(
    asked: Asked,
    table: ClusterVectors,
    vector_of: QueryVector,
    match: ClusterQuery | None,
    checked: CheckedRequest,
    settings: Settings,
) -> Neighbours:
    """The documents nearest the query's vector (``vector_of()``, asked only when there
    are vectors) that the request's filters and dates allow (one statement per batch of
    rows), and which of them ``match`` (the keyword results' query) does not find."""
    vector = vector_of() if len(table.matrix) else None
    if vector is None:
        return NO_NEIGHBOURS
    nothing = ClusterQuery("")

    def allow(rows: np.ndarray) -> np.ndarray:
        ids = table.ids[rows]
        allowed = statements.among(asked, nothing, ids.tolist(), checked)
        return np.isin(ids, list(allowed))

    known = vector_of.similarity_to(table.matrix)
    rows, similarity = nearest_rows(table.matrix, vector, allow, settings, known)
    ids = table.ids[rows]
    found = statements.among(asked, match, ids.tolist(), checked) if match is not None else set()
    return Neighbours(
        ids,
        similarity,
        ~np.isin(ids, list(found)),
        nearest=float(similarity[0]) if len(similarity) else 0.0,
        similarity_of=table.rows_by_id.similarity_of(vector),
    )


def fused_ranking(
    ranking: list[tuple[int, float]],
    matched: set[int] | None,
    neighbours: Neighbours,
    settings: Settings,
) -> tuple[list[tuple[int, float]], frozenset[int]]:
    """The scored candidates (``matched``: the matches, when related results follow) in
    the fused order, and the ids found by meaning alone; unchanged without neighbours."""
    if not len(neighbours.ids):
        return ranking, frozenset()
    ids = np.array([i for i, _ in ranking], dtype=np.int64)
    scores = np.array([score for _, score in ranking], dtype=np.float64)
    is_match = None
    if matched is not None:
        is_match = np.isin(ids, list(matched))
        scores = scores + is_match * PREFERRED_BONUS
    fused = fuse(ids, scores, is_match, neighbours, settings)
    bonus = fused.is_match if fused.is_match is not None else np.zeros(len(fused.ids), bool)
    plain = fused.scores - bonus * PREFERRED_BONUS
    order = top_documents(fused.ids, fused.scores, len(fused.ids))
    return [(int(fused.ids[n]), float(plain[n])) for n in order], fused.by_meaning
