"""Similar meaning, the rule both engines follow: the query's vector finds the nearest
documents (brute force over the index's vectors), the query's similarity to each keyword
result is combined with its keyword score (a weighted sum of both, normalised), and the
documents found by meaning alone are related results (they never change the total or a
facet count).

Asked only of plain words: quotes, ``-exclusions``, ``field:`` prefixes and raw query
syntax ask for exact terms, which a neighbour by meaning may not hold."""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Callable

import numpy as np

from indexer.config import Settings
from indexer.model.request import CheckedRequest
from indexer.model.results import Hit, Reason
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS
from indexer.vectors.similarity import similarities

SIMILAR_MEANING = Reason("similar_meaning")
# Keyword results fused, per tier: as many as the cluster scores the Whoosh way
# (cluster_candidates' default), so both backends fuse the same candidates.
KEYWORD_RANKS = 300
_ALLOW_BATCH = 400  # rows asked of ``allow`` at once (the cluster: one statement)
# Quotes, an exclusion or a required word, a field prefix, grouping: exact syntax.
_SYNTAX = re.compile(r'["()]|(^|\s)[-+]\S|\w:\S')


def wanted(checked: CheckedRequest, settings: Settings) -> bool:
    """Whether the request asks for similar meaning: ranked plain words, semantic on."""
    text = checked.text.strip()
    return (
        settings.semantic
        and checked.semantic
        and checked.ranked
        and not checked.raw
        and bool(text)
        and not _SYNTAX.search(text)
    )


def query_vector(text: str) -> np.ndarray | None:
    """The query's vector, or None when the model is not installed."""
    from indexer.vectors.model import ModelUnavailableError, embed_query

    try:
        return embed_query(text)
    except ModelUnavailableError:
        return None


@dataclass(frozen=True)
class VectorSoon:
    """A query's vector being computed on the embedding thread: called, it waits for it
    (None when the model is not installed). With ``rows`` (an index's vectors) the same
    thread then compares it with every row (``similarity``), while the keyword search
    goes on: at 47,450 documents that product took 6.3 ms a search."""

    future: Future[np.ndarray]
    rows: np.ndarray | None = None
    similarity: Future[np.ndarray] | None = None

    def __call__(self) -> np.ndarray | None:
        from indexer.vectors.model import ModelUnavailableError

        try:
            return self.future.result()
        except ModelUnavailableError:
            return None

    def pending(self) -> bool:
        """Whether asking for the neighbours now would wait."""
        return not self.future.done() or (
            self.similarity is not None and not self.similarity.done()
        )

    def similarity_to(self, matrix: np.ndarray) -> np.ndarray | None:
        """The query's similarity to each row of ``matrix`` when computed already."""
        if self.similarity is None or matrix is not self.rows or self() is None:
            return None
        return self.similarity.result()


def query_vector_soon(text: str, rows: np.ndarray | None = None) -> VectorSoon:
    """``query_vector(text)``, started now on the embedding thread, and then its
    similarity to each of ``rows``."""
    from indexer.vectors.model import after_embedding, embed_query_soon

    future = embed_query_soon(text)
    if rows is None or not len(rows):
        return VectorSoon(future)
    return VectorSoon(future, rows, after_embedding(lambda: similarities(rows, future.result())))


@dataclass(frozen=True)
class VectorOnDemand:
    """A query's vector computed in the caller's thread if it is ever asked for (an
    index without vectors never asks): ``VectorSoon``'s questions, answered at once."""

    text: str

    def __call__(self) -> np.ndarray | None:
        return query_vector(self.text)

    def pending(self) -> bool:
        return False

    def similarity_to(self, matrix: np.ndarray) -> np.ndarray | None:
        return None


QueryVector = VectorSoon | VectorOnDemand  # what engine.neighbours asks for the vector


def never_pending() -> bool:
    """``PageRequest.vector_pending`` of a search that waits for no vector."""
    return False


def _no_similarity(ids: np.ndarray) -> np.ndarray:
    return np.full(len(ids), np.nan, np.float32)


@dataclass(frozen=True)
class Neighbours:
    """Documents near the query, nearest first, in an engine's ids (within the request's
    filters and dates), their similarities, and which hold none of the keyword results
    (``only``: found by meaning alone); ``nearest``: the similarity of the nearest allowed
    document (kept when trimming drops it); ``similarity_of``: the query's similarity to
    any documents (engine ids -> cosine, NaN for a document without a vector)."""

    ids: np.ndarray
    similarity: np.ndarray
    only: np.ndarray  # bool per neighbour
    nearest: float = 0.0
    similarity_of: Callable[[np.ndarray], np.ndarray] = _no_similarity

    @property
    def only_count(self) -> int:
        return int(self.only.sum())


NO_NEIGHBOURS = Neighbours(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, bool))


def no_neighbours() -> Neighbours:
    """``PageRequest.neighbours`` of a search without similar meaning."""
    return NO_NEIGHBOURS


class RowsById:
    """A vector matrix's rows found by engine id: the ids sorted once per table (an
    argsort per request cost ~1.5 ms at 47,450 documents)."""

    def __init__(self, matrix: np.ndarray, row_ids: np.ndarray) -> None:
        self.matrix = matrix  # unit rows, float32
        self.order = np.argsort(row_ids, kind="stable")
        self.sorted_ids = row_ids[self.order]

    def similarity_of(self, vector: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """``Neighbours.similarity_of`` for the query ``vector``: engine ids -> cosine,
        NaN for an id without a row (-1 rows hold no document)."""

        def similarity_of(ids: np.ndarray) -> np.ndarray:
            result = np.full(len(ids), np.nan, np.float32)
            if not len(self.sorted_ids):
                return result
            at = np.minimum(np.searchsorted(self.sorted_ids, ids), len(self.sorted_ids) - 1)
            found = self.sorted_ids[at] == ids
            result[found] = similarities(self.matrix[self.order[at[found]]], vector)
            return result

        return similarity_of


def nearest_rows(
    matrix: np.ndarray,
    vector: np.ndarray,
    allow: Callable[[np.ndarray], np.ndarray],
    settings: Settings,
    similarity: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``matrix`` (unit vectors, float32) nearest ``vector`` that ``allow``
    (rows -> a mask of those the request's filters allow) lets through: at most
    semantic_depth, each at least semantic_min_similarity. ``allow`` is asked about
    batches, nearest first, until enough are found or the rest are too far: the same
    documents on every engine. ``similarity``: ``matrix @ vector`` when known already."""
    if not len(matrix):
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    if similarity is None:
        similarity = similarities(matrix, vector)
    near_enough = np.flatnonzero(similarity >= settings.semantic_min_similarity)
    # Nearly every row is near enough (x10: 46,290 of 47,450 at the median), and sorting
    # them all took 1.4 ms: the first batch is the nearest alone, in the same order; the
    # rest is sorted only when the filters let too few of those through.
    ordered = near_enough[top_documents(near_enough, similarity[near_enough], _ALLOW_BATCH)]
    depth, found = settings.semantic_depth, []
    for start in range(0, len(near_enough), _ALLOW_BATCH):
        if start >= len(ordered):
            ordered = near_enough[np.lexsort((near_enough, -similarity[near_enough]))]
        batch = ordered[start : start + _ALLOW_BATCH]
        found.extend(batch[allow(batch)].tolist())
        if len(found) >= depth:
            break
    rows = np.array(found[:depth], dtype=np.int64)
    return rows, similarity[rows].astype(np.float32)


def trimmed(neighbours: Neighbours, settings: Settings, extras: bool = True) -> Neighbours:
    """The neighbours the fusion may use: all of those among the keyword results (their
    order changes, not what is counted), and of those found by meaning alone (only when
    ``extras``: the words have few matches, or related results follow anyway) the
    semantic_related_max nearest within semantic_margin of the nearest neighbour.

    Measured on this project's documents (bench/relevance.py, issue 26): e5's
    similarities do not tell a nonsense query from a real one (xyzzy's nearest scores
    0.82, a cross-lingual query's 0.85; their z-scores overlap too), so what a query
    may add by meaning alone is bounded by count, not by a similarity."""
    if not len(neighbours.ids):
        return neighbours
    near = neighbours.similarity >= float(neighbours.similarity[0]) - settings.semantic_margin
    extra = neighbours.only & near & extras
    extra &= np.cumsum(extra) <= settings.semantic_related_max
    keep = ~neighbours.only | extra
    return dataclasses.replace(
        neighbours,
        ids=neighbours.ids[keep],
        similarity=neighbours.similarity[keep],
        only=neighbours.only[keep],
    )


def labelled(hits: list[Hit], by_meaning: list[bool]) -> list[Hit]:
    """``hits`` with the reason of those found by meaning alone (``by_meaning``)."""
    return [
        dataclasses.replace(hit, reasons=(SIMILAR_MEANING,)) if alone else hit
        for hit, alone in zip(hits, by_meaning, strict=True)
    ]


@dataclass(frozen=True)
class Fused:
    ids: np.ndarray
    scores: np.ndarray  # matches raised by PREFERRED_BONUS when ``is_match`` is set
    is_match: np.ndarray | None
    by_meaning: frozenset[int]  # ids found by meaning alone (related)


def closeness(similarity: np.ndarray, nearest: float, floor: float) -> np.ndarray:
    """Similarities on a 0-1 scale: ``floor`` (and a document without a vector) 0, the
    nearest document 1."""
    span = max(nearest - floor, 1e-6)
    return np.clip((np.nan_to_num(similarity, nan=floor) - floor) / span, 0.0, 1.0)


def fuse(
    ids: np.ndarray,
    scores: np.ndarray,
    is_match: np.ndarray | None,
    neighbours: Neighbours,
    settings: Settings,
) -> Fused:
    """The keyword candidates (``ids``, ``scores``: matches raised by PREFERRED_BONUS
    when ``is_match`` is set) and the neighbours in one order: within each tier by
    (1 - w) * keyword score / the tier's best + w * closeness (the similarity from
    semantic_similarity_floor, 0, to the nearest document, 1), w = semantic_weight among
    the matches and semantic_related_weight among the related results (a document with
    only some of the words is weak keyword evidence, so meaning weighs more there).
    The tier's KEYWORD_RANKS best are fused, the rest keep their keyword order below
    them. Neighbours found by meaning alone are related results with only their
    closeness's share.

    A convex combination of normalised scores rather than of ranks (reciprocal rank
    fusion, used before): a keyword score far ahead of the next stays ahead, which
    ranks do not say. Measured with bench/relevance.py (issue 26): KorQuAD questions
    lost 0.02 MRR@10 under rank fusion and lose nothing under this one."""
    if not len(neighbours.ids):
        return Fused(ids, scores, is_match, frozenset())
    matches = np.ones(len(ids), bool) if is_match is None else is_match
    weight = np.where(matches, settings.semantic_weight, settings.semantic_related_weight)
    plain = scores - matches * PREFERRED_BONUS if is_match is not None else scores
    nearest = max(neighbours.nearest, float(neighbours.similarity.max()))
    floor = settings.semantic_similarity_floor
    meaning = closeness(neighbours.similarity_of(ids), nearest, floor)
    # Below every fused score (1 and above), in keyword order: those beyond the depth.
    top_plain = float(plain.max()) if len(plain) else 1.0
    fused = np.clip(plain, 0, None) / (abs(top_plain) + 1.0)
    for tier in (matches, ~matches):
        positions = np.flatnonzero(tier)
        best = positions[top_documents(ids[positions], plain[positions], KEYWORD_RANKS)]
        if not len(best):
            continue
        top = float(plain[best[0]])
        keyword = np.clip(plain[best], 0, None) / (top if top > 0 else 1.0)
        fused[best] = 1 + (1 - weight[best]) * keyword + weight[best] * meaning[best]
    # Found by meaning alone; a keyword result outside the candidates (the cluster
    # rescores only its best) is not moved.
    alone = neighbours.only & ~np.isin(neighbours.ids, ids)
    extra = neighbours.ids[alone].astype(ids.dtype)
    extra_closeness = closeness(neighbours.similarity[alone], nearest, floor)
    extra_scores = 1 + settings.semantic_related_weight * extra_closeness
    all_ids = np.concatenate([ids, extra])
    all_match = np.concatenate([matches, np.zeros(len(extra), bool)])
    all_scores = np.concatenate([fused, extra_scores]) + all_match * PREFERRED_BONUS
    return Fused(all_ids, all_scores, all_match, frozenset(extra.tolist()))
