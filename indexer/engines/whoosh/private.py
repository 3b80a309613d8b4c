"""Every use of Whoosh's private attributes, in this one module (and in postingpool.py,
the build's posting pool, which subclasses Whoosh's, and blockvalues.py, a term's
stored values read block by block for a few documents).

Whoosh is pinned (2.7.4, unmaintained since 2016), so these do not move under us; when
they must change, this is the module to read. Each function says what it reads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import signal
import sys
import traceback
import types
from multiprocessing import popen_spawn_posix
from typing import Any, Callable

import numpy as np
from whoosh import multiproc
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.engines.whoosh.postingpool import GroupedPostingPool

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)
# Field lengths are stored as one byte on a logarithmic scale (0 = empty); this decodes all 256.
_BYTE_TO_LENGTH = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float64)
_LENGTH_COLUMN = "_%s_len"  # Whoosh's name for a field's length column
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>
WORKER_STOP_S = 10  # a cancelled build waits this long for each writer worker to end
WORKER_FAILED = 255  # exit status of a writer worker that failed other than with an errno
JOB_WAIT_S = 1.0  # between looks at the workers while their queue is full


def stored_lengths(lengths: np.ndarray) -> np.ndarray:
    """Field lengths as Whoosh stores and reads them back (one byte each, so lossy):
    what its BM25F divides by, for lengths counted outside an index."""
    return _BYTE_TO_LENGTH[[length_to_byte(int(n)) for n in lengths]]


def deleted_documents(leaf_reader) -> np.ndarray:
    """Document numbers deleted in one segment (kept in its files until a merge)."""
    if not leaf_reader.has_deletions():
        return EMPTY_IDS
    per_doc = getattr(leaf_reader, "_perdoc", None)
    if per_doc is not None and hasattr(per_doc, "deleted_docs"):
        return np.fromiter(per_doc.deleted_docs(), dtype=np.int64)
    return np.array(
        [d for d in range(leaf_reader.doc_count_all()) if leaf_reader.is_deleted(d)], dtype=np.int64
    )


def unfiltered_matcher(leaf_reader, fieldname: str, btext: bytes) -> Any:
    """A term's postings in one segment with its deleted documents too: Whoosh's
    deletion filter taken off (callers mask deleted documents, or never ask for them)."""
    matcher = leaf_reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
        matcher.reset()  # the filter already stepped over leading deleted documents
    return matcher


def read_term_postings(leaf_reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of a term in one segment, deleted documents
    included (callers mask them), as Whoosh's own document frequency counts them."""
    if (fieldname, btext) not in leaf_reader:
        return EMPTY_IDS, EMPTY_WEIGHTS
    matcher = unfiltered_matcher(leaf_reader, fieldname, btext)
    if not isinstance(matcher, W3LeafMatcher):
        # Short lists are stored inline in the term dictionary.
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
    id_blocks: list[np.ndarray] = []
    weight_blocks: list[np.ndarray] = []
    # Block by block, using the matcher's own decoding of a block's data tuple
    # (ids delta-coded from 0 in every block; weights None = all 1.0, a float = all equal).
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        length = matcher._blocklength
        id_blocks.append(np.cumsum(np.array(block_ids, dtype=np.int64)))
        if block_weights is None:
            weight_blocks.append(np.ones(length, dtype=np.float32))
        elif isinstance(block_weights, float):
            weight_blocks.append(np.full(length, block_weights, dtype=np.float32))
        else:
            weight_blocks.append(np.array(block_weights, dtype=np.float32))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if not id_blocks:
        return EMPTY_IDS, EMPTY_WEIGHTS
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


def read_field_lengths(leaf_reader, fieldname: str) -> np.ndarray:
    """Every document's length of a field in one segment, as Whoosh's BM25 sees it
    (decoded from the one-byte approximation)."""
    count = leaf_reader.doc_count_all()
    per_doc = getattr(leaf_reader, "_perdoc", None)
    column = None
    if per_doc is not None and hasattr(per_doc, "_cached_reader"):
        column = per_doc._cached_reader(_LENGTH_COLUMN % fieldname, LENGTHS_COLUMN)
    if column is None or not hasattr(column, "_dbfile"):
        # Another codec: one call per document.
        return np.array(
            [leaf_reader.doc_field_length(docnum, fieldname) or 0 for docnum in range(count)],
            dtype=np.float64,
        )
    codes = np.zeros(count, dtype=np.uint8)
    stored = min(column._count, count)  # documents past the stored end have length 0
    codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    return _BYTE_TO_LENGTH[codes]


# Workers start as fresh interpreters, not forks: a fork shares the building process's
# documents, and as that process goes through them (reference counts are writes) each
# page it touches is copied, so the documents came to be held twice. Measured on a build
# of 237,250 documents (x50 of bench/perf.py): the parent's own memory grew from 259 to
# 610 MB half way through while the workers kept the old pages.
_WORKER_CONTEXT = multiprocessing.get_context("spawn")


class _SpawnWithoutMain(popen_spawn_posix.Popen):
    """Starts a worker as spawn does, without importing the caller's ``__main__`` in it
    again: the worker's class is ours and needs nothing from it, and importing it runs a
    script's top level a second time (a build inside the build, for a script without a
    main guard) or fails (``<stdin>``, a notebook). Spawn reads ``sys.modules["__main__"]``
    while it launches: a module with no file and no spec there means none."""

    def _launch(self, process_obj) -> None:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            super()._launch(process_obj)  # type: ignore[misc]  # not in typeshed
        finally:
            sys.modules["__main__"] = main


def with_grouped_pool(writer: SegmentWriter) -> None:
    """Gives a segment writer a GroupedPostingPool (postingpool.py) of the same limit in
    place of the pool Whoosh made (reads its private ``_tempstorage`` and ``newsegment``);
    before any document is added."""
    limitmb = writer.pool.limit / (1024 * 1024)
    writer.pool = GroupedPostingPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)


class _LengthsReadOnce:
    """A segment's per-document reader whose field lengths are read once per document and
    field. Writing a segment asks the length of a posting's document for every posting
    (Whoosh's FieldWriter.add_postings), each a seek and read in the lengths column: 12%
    of an x1 build in one process (cProfile). The lengths are the reader's own."""

    def __init__(self, per_document: Any) -> None:
        self._per_document = per_document
        self._lengths: dict[str, list[int | None]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            read = self._per_document.doc_field_length
            documents = range(self._per_document.doc_count_all())
            lengths = self._lengths[fieldname] = [read(n, fieldname, default) for n in documents]
        return lengths[docnum]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._per_document, name)


class ChunkedSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with a GroupedPostingPool, whose segment reads each field
    length once (_LengthsReadOnce)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        with_grouped_pool(self)

    def per_document_reader(self) -> Any:
        # Read by SegmentWriter._flush_segment for the segment's postings.
        return _LengthsReadOnce(super().per_document_reader())


class _WorkerDiesWithParent(SubWriterTask):
    """A writer worker that is killed when the building process dies, started in a fresh
    interpreter (_WORKER_CONTEXT).

    Whoosh's workers block on their job queue forever once the parent is gone
    (e.g. after kill -9), holding memory and files of an abandoned build.
    """

    _Popen = _SpawnWithoutMain

    def run(self) -> None:
        _die_with_parent()
        # SubWriterTask.run makes its writer by this name; this process is the worker's own.
        multiproc.SegmentWriter = ChunkedSegmentWriter
        try:
            super().run()
        except OSError as exc:
            # A full disk (or lost permissions): the parent fails the build in one line
            # (MultiSegmentWriter._commit); a traceback here would only repeat it.
            code = exc.errno if exc.errno and exc.errno < 256 else WORKER_FAILED
            raise SystemExit(code) from None
        except Exception:
            # Not an errno: exit status 1 would read as one (EPERM) in the parent.
            traceback.print_exc()
            raise SystemExit(WORKER_FAILED) from None


class _WatchedJobs:
    """The workers' job queue as the writer puts on it. Whoosh's put waits for room
    forever: with the workers dead (a full disk, the OOM killer) the queue never empties
    and the build hung; here each wait for room ends after JOB_WAIT_S to look at the
    workers, and ``check`` raises when one has failed."""

    def __init__(self, jobs: Any, check: Callable[[], None]) -> None:
        self.jobs = jobs
        self.check = check

    def put(self, job: object) -> None:
        while True:
            try:
                self.jobs.put(job, timeout=JOB_WAIT_S)
                return
            except queue.Full:
                self.check()


class MultiSegmentWriter(MpWriter):
    """Whoosh's multi-process writer whose workers die with the building process and
    start afresh (overrides the private ``MpWriter._new_task`` and its queues, which a
    spawned worker can only share when made in the same context)."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        with_grouped_pool(self)  # what a merge at commit uses
        self._jobs = _WORKER_CONTEXT.Queue(self.procs * 4)  # what the workers read
        self.jobqueue = _WatchedJobs(self._jobs, self._fail_if_a_worker_failed)
        self.resultqueue = _WORKER_CONTEXT.Queue()

    def _new_task(self) -> SubWriterTask:
        task = _WorkerDiesWithParent(
            self.storage,
            self.indexname,
            self._jobs,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _commit(self, mergetype, optimize, merge) -> None:
        """Whoosh's commit joins the workers, then takes what results it finds: one that
        failed (a full disk) just gives none, and the index was committed without the
        documents it held. Here the commit waits for them first and fails instead."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self.jobqueue.put(None)
        for task in self.tasks:
            task.join()
        self._fail_if_a_worker_failed()
        super()._commit(mergetype, optimize, merge)

    def _fail_if_a_worker_failed(self) -> None:
        failed = [t.exitcode for t in self.tasks if t.exitcode not in (None, 0)]
        if failed:
            code = failed[0]
            if 0 < code < 256 and code != WORKER_FAILED:
                raise OSError(code, os.strerror(code))
            raise RuntimeError(f"a writer process failed (exit status {code})")

    def cancel(self) -> None:
        """Stops the workers before the caller removes their files. Whoosh's cancel only
        flags its own copies of the worker objects, so the processes went on writing
        into a generation being deleted (a full-disk test left a half-written one)."""
        try:
            super().cancel()
        finally:
            for task in self.tasks:
                if task.is_alive():
                    task.terminate()
                task.join(WORKER_STOP_S)


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers may outlive a killed parent
        pass
