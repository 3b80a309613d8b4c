"""Cosine similarities of a query's vector to rows of a vector table, on one core.

A request's product is one matrix by one vector (at most tens of MB, bound by memory, not
by arithmetic). Left to itself numpy's OpenBLAS runs it on every core, and its helper
threads then spin, waiting for more work, on the core the query's embedding runs on:
measured on bench/perf.py's 240 queries at x1 (issue 26), a search with similar meaning
took 37.9 ms at p50 (2.15x a keyword search) with BLAS threads and 32.5 ms (1.82x) on one.
threadpoolctl limits the BLAS library for the product alone, so a program that imports
this one keeps its own setting for everything else."""

from __future__ import annotations

import functools

import numpy as np
from threadpoolctl import ThreadpoolController


@functools.cache
def blas_controller() -> ThreadpoolController:
    """The thread pools loaded when first asked (~0.2 ms a search to look again), numpy's
    BLAS among them: it is loaded with numpy, before this module can be called. A BLAS
    library loaded later (scipy's) is not the one ``@`` on numpy arrays runs on."""
    return ThreadpoolController()


def similarities(rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``rows @ vector``: for unit rows and a unit vector, each row's cosine similarity."""
    with blas_controller().limit(limits=1, user_api="blas"):
        return rows @ vector
