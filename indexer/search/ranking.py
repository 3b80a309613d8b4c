"""Ranking helpers shared by every engine."""

from __future__ import annotations

import numpy as np


def top_documents(ids: np.ndarray, scores: np.ndarray, limit: int) -> np.ndarray:
    """Positions of the ``limit`` best, by score descending then document number."""
    if limit <= 0 or not len(ids):
        return np.zeros(0, dtype=np.int64)
    candidates = np.arange(len(ids))
    if len(ids) > limit:
        # Everything scoring at least the limit-th best score; ties at the cut are all kept
        # so the order among them is decided by document number, not by partition order.
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        candidates = np.flatnonzero(scores >= threshold)
    order = np.lexsort((ids[candidates], -scores[candidates]))
    return candidates[order[:limit]]
