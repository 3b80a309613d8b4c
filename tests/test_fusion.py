"""How keyword scores and closeness in meaning make one order (search/semantic.py's
fuse, the rule of both backends): a weighted sum of the keyword score (over the tier's
best) and the query's similarity (from semantic_similarity_floor to the nearest
document), per tier, so matches still come first and a clear keyword winner stays
ahead of a close runner-up."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from indexer.config import ConfigError, load_settings
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS
from indexer.search.semantic import KEYWORD_RANKS, Neighbours, RowsById, fuse

SETTINGS = load_settings(None, environ={})


def neighbours_of(similarity: dict[int, float], found: set[int]) -> Neighbours:
    """Neighbours over the documents of ``similarity`` (id -> cosine), nearest first;
    those not in ``found`` are found by meaning alone."""
    ids = np.array(sorted(similarity, key=lambda i: -similarity[i]), np.int64)
    near = np.array([similarity[i] for i in ids], np.float32)

    def similarity_of(asked: np.ndarray) -> np.ndarray:
        return np.array([similarity.get(int(i), np.nan) for i in asked], np.float32)

    only = np.array([int(i) not in found for i in ids], bool)
    return Neighbours(ids, near, only, float(near[0]), similarity_of)


def fused_order(ids, scores, similarity, is_match=None, **settings) -> list[int]:
    ids = np.array(ids, np.int64)
    scores = np.array(scores, np.float64)
    if is_match is not None:
        is_match = np.array(is_match, bool)
        scores = scores + is_match * PREFERRED_BONUS
    neighbours = neighbours_of(similarity, set(ids.tolist()))
    fused = fuse(ids, scores, is_match, neighbours, dataclasses.replace(SETTINGS, **settings))
    order = top_documents(fused.ids, fused.scores, len(fused.ids))
    return fused.ids[order].tolist()


def test_a_clear_keyword_winner_stays_first_though_others_are_closer_in_meaning():
    # Rank fusion at this weight would put 2 first (meaning rank 1, keyword rank 2: 0.5/62
    # + 0.5/61 against 0.5/61 + 0.5/63); the scores say document 1 holds the words far
    # better.
    order = fused_order(
        [1, 2, 3], [10.0, 2.0, 1.9], {1: 0.75, 2: 0.90, 3: 0.88}, semantic_weight=0.5
    )
    assert order[0] == 1


def test_closeness_in_meaning_decides_between_near_equal_keyword_scores():
    order = fused_order([1, 2], [2.0, 1.95], {1: 0.72, 2: 0.90})
    assert order == [2, 1]


def test_weight_zero_keeps_the_keyword_order_and_weight_one_the_meaning_order():
    ids, scores = [1, 2, 3, 4], [4.0, 3.0, 2.0, 1.0]
    similarity = {1: 0.80, 2: 0.95, 3: 0.71, 4: 0.88}
    assert fused_order(ids, scores, similarity, semantic_weight=0.0) == [1, 2, 3, 4]
    assert fused_order(ids, scores, similarity, semantic_weight=1.0) == [2, 4, 1, 3]


def test_matches_come_before_related_results_however_close_in_meaning():
    order = fused_order(
        [1, 2, 3, 4],
        [1.0, 0.5, 9.0, 8.0],
        {1: 0.71, 2: 0.72, 3: 0.95, 4: 0.94},
        is_match=[True, True, False, False],
        semantic_weight=1.0,
        semantic_related_weight=1.0,
    )
    assert order[:2] == [2, 1]  # meaning orders the matches, which stay first
    assert order[2:] == [3, 4]


def test_related_results_lean_more_on_meaning_than_the_matches():
    ids, scores, similarity = [1, 2], [2.0, 1.6], {1: 0.75, 2: 0.90}
    as_matches = fused_order(ids, scores, similarity)
    as_related = fused_order(ids, scores, similarity, is_match=[False, False])
    assert as_matches == [1, 2]  # 0.8 + 0.2 * 0.25 against 0.8 * 0.8 + 0.2
    assert as_related == [2, 1]  # 0.5 + 0.5 * 0.25 against 0.5 * 0.8 + 0.5


def test_a_document_found_by_meaning_alone_follows_the_matches_as_related():
    ids = np.array([1, 2], np.int64)
    scores = np.array([3.0, 2.0]) + PREFERRED_BONUS
    is_match = np.array([True, True])
    neighbours = neighbours_of({1: 0.80, 2: 0.79, 9: 0.95}, {1, 2})
    fused = fuse(ids, scores, is_match, neighbours, SETTINGS)
    order = fused.ids[top_documents(fused.ids, fused.scores, len(fused.ids))].tolist()
    assert order == [1, 2, 9]
    assert fused.by_meaning == frozenset({9})
    assert fused.is_match is not None and not fused.is_match[fused.ids.tolist().index(9)]


def test_a_document_without_a_vector_counts_as_no_closeness():
    order = fused_order([1, 2], [2.0, 1.9], {2: 0.85, 3: 0.9})  # 1 has no vector
    assert order[:2] == [2, 1]


def test_candidates_beyond_the_fused_depth_keep_their_keyword_order_below():
    count = KEYWORD_RANKS + 5
    ids = list(range(count))
    scores = [float(count - i) for i in ids]  # keyword order 0, 1, 2, ...
    # The last candidates are the closest in meaning; beyond the depth that cannot lift them.
    similarity = {i: 0.71 + 0.2 * i / count for i in ids}
    order = fused_order(ids, scores, similarity, semantic_weight=1.0)
    assert order[KEYWORD_RANKS:] == ids[KEYWORD_RANKS:]
    assert sorted(order[:KEYWORD_RANKS]) == ids[:KEYWORD_RANKS]


def test_without_neighbours_the_order_is_the_keyword_order_unchanged():
    ids, scores = np.array([5, 6], np.int64), np.array([1.0, 2.0])
    empty = Neighbours(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, bool))
    fused = fuse(ids, scores, None, empty, SETTINGS)
    assert fused.ids.tolist() == [5, 6] and fused.scores.tolist() == [1.0, 2.0]


def test_rows_by_id_give_the_matrix_similarity_and_nan_for_no_vector():
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(5, 8)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    row_ids = np.array([40, -1, 10, 30, 20], np.int64)  # row 1: a deleted document
    vector = matrix[3]
    similarity_of = RowsById(matrix, row_ids).similarity_of(vector)
    found = similarity_of(np.array([10, 20, 30, 40, 99], np.int64))
    expected = matrix[[2, 4, 3, 0]] @ vector
    np.testing.assert_allclose(found[:4], expected, rtol=1e-6)
    assert np.isnan(found[4])


@pytest.mark.parametrize("floor", [-0.1, 1.5])
def test_a_similarity_floor_outside_zero_to_one_is_refused(floor):
    with pytest.raises(ConfigError, match="semantic_similarity_floor"):
        load_settings(None, environ={}, semantic_similarity_floor=floor)
