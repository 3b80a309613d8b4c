"""Files read on every core: a large corpus's files are read, mapped and their documents
packed in processes of their own, and their results come back in the files' order, so
what a build reads (documents, duplicates, rejections, warnings) is what reading them one
after the other gives.

Reading was one process while the other core waited: at x10 (bench/perf.py, 47,450
documents in five 20 MB JSON Lines files) 3.9 s, half of a reindex of 1% (issue 27).
A worker is a fresh interpreter (spawned, not forked: the reading process may run
threads, and a fork copies only the one that forks); it starts in about 0.4 s, so small
corpora are read in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

from indexer.reading.mapping import FileRule

# Below this many bytes to read, starting the workers costs more than they save.
PARALLEL_MIN_BYTES = 32 * 2**20

Result = TypeVar("Result")


@dataclass(frozen=True)
class FileJob:
    """One file to read: where it is, its name inside the source, the source's key and
    the mapping rule it is read by."""

    path: Path
    relative: str
    source: str
    rule: FileRule
    size_bytes: int


def read_files(
    jobs: Sequence[FileJob], read: Callable[[FileJob], Result], workers: int
) -> Iterator[Result]:
    """``read(job)`` of each job, in the jobs' order: on ``workers`` processes when there
    are PARALLEL_MIN_BYTES to read in more than one file, else in this process. ``read``
    must be a module-level function (a worker imports it), and a program that asks for
    workers must start from a guarded main module (``if __name__ == "__main__"``), as
    the CLI does: a spawned worker imports the main module again."""
    workers = min(len(jobs), workers)
    if workers < 2 or sum(job.size_bytes for job in jobs) < PARALLEL_MIN_BYTES:
        yield from map(read, jobs)
        return
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        # One file at a time to each worker: they take the next as they finish.
        yield from pool.map(read, jobs, chunksize=1)
