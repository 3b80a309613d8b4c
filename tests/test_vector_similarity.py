"""The query's similarity to a vector table: the product's value, and the one BLAS
thread it runs on (helper threads spinning beside the query's embedding slowed searches
with similar meaning; indexer/vectors/similarity.py)."""

from __future__ import annotations

import numpy as np

from indexer.vectors.similarity import blas_controller, similarities


def _blas_threads() -> list[int]:
    """Threads of the BLAS libraries numpy was loaded with (the suite loads others later:
    scipy's, which ``@`` on numpy arrays does not use)."""
    return [lib["num_threads"] for lib in blas_controller().info() if lib["user_api"] == "blas"]


class _RecordingRows:
    """Rows whose product notes how many threads the BLAS libraries were allowed."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.threads_during: list[int] = []

    def __matmul__(self, vector: np.ndarray) -> np.ndarray:
        self.threads_during = _blas_threads()
        return self.rows @ vector


def test_similarities_are_the_cosines_of_unit_rows() -> None:
    generator = np.random.default_rng(7)
    rows = generator.normal(size=(50, 384)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    vector = rows[3]
    result = similarities(rows, vector)
    expected = [float(np.dot(row.astype(np.float64), vector)) for row in rows]
    assert np.allclose(result, expected, atol=1e-5)
    assert int(np.argmax(result)) == 3


def test_the_product_runs_on_one_blas_thread_and_the_setting_comes_back() -> None:
    before = _blas_threads()
    assert before, "numpy links a BLAS library"
    rows = _RecordingRows(np.eye(4, dtype=np.float32))
    similarities(rows, np.ones(4, np.float32))  # type: ignore[arg-type]
    assert rows.threads_during == [1] * len(before)
    assert _blas_threads() == before
