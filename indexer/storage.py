"""The index directory on disk: generations, the CURRENT pointer and the writer lock.

Layout::

    index_dir/
      CURRENT            name of the generation readers open (replaced atomically)
      gen-<utc>-<pid>/   one complete Whoosh index plus meta.json
      write.lock         held (flock) by the one process writing; holds its pid

A full build writes a new generation beside the serving one and then replaces
CURRENT in one rename, so readers never see a half-built index and a crash leaves
the previous generation answering.
"""
from __future__ import annotations

import fcntl
import io
import json
import mmap
import os
import pickle
import shutil
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from .errors import IndexLockedError, IndexMissingError

CURRENT_FILE = "CURRENT"
LOCK_FILE = "write.lock"
META_FILE = "meta.json"
GENERATION_PREFIX = "gen-"


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def current_generation(index_dir: str | os.PathLike[str]) -> Path:
    """The directory of the generation readers should open; raises IndexMissingError."""
    root = Path(index_dir)
    try:
        name = (root / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissingError(
            f"No index in {root}. Build one with: policysearch index [PATH] --index-dir {root}"
        ) from None
    generation = root / name
    if not generation.is_dir():
        raise IndexMissingError(
            f"The index in {root} points at {name}, which is missing. Rebuild it with: "
            f"policysearch index [PATH] --index-dir {root}"
        )
    return generation


def has_index(index_dir: str | os.PathLike[str]) -> bool:
    try:
        current_generation(index_dir)
    except IndexMissingError:
        return False
    return True


def new_generation(index_dir: str | os.PathLike[str]) -> Path:
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    generation = root / f"{GENERATION_PREFIX}{stamp}-{os.getpid()}"
    generation.mkdir()
    return generation


def switch_generation(index_dir: str | os.PathLike[str], generation: Path) -> None:
    """Points readers at ``generation`` and removes all but the previous generation."""
    root = Path(index_dir)
    previous = None
    try:
        previous = current_generation(root)
    except IndexMissingError:
        pass
    _write_atomically(root / CURRENT_FILE, generation.name + "\n")
    keep = {generation.name} | ({previous.name} if previous else set())
    for child in root.iterdir():
        if child.name.startswith(GENERATION_PREFIX) and child.is_dir() and child.name not in keep:
            # Older generations, and leftovers of builds that crashed midway.
            shutil.rmtree(child, ignore_errors=True)


def read_meta(generation: Path) -> dict[str, Any]:
    try:
        return json.loads((generation / META_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_meta(generation: Path, meta: dict[str, Any]) -> None:
    _write_atomically(generation / META_FILE, json.dumps(meta, ensure_ascii=False, indent=2))


def directory_size_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class WriteLock:
    """One writer at a time, across processes and threads.

    The kernel's POSIX record lock is the truth: it dies with its process and,
    unlike flock, is not inherited by forked children (the multi-process writer's
    workers). The file's content says who holds it. Content found when the lock
    is free means the previous writer died without finishing: ``recovered_from``
    describes it.
    """

    index_dir: Path
    recovered_from: str = ""
    _handle: Any = None

    def __enter__(self) -> "WriteLock":
        self.index_dir.mkdir(parents=True, exist_ok=True)
        thread_lock = _thread_lock(self.index_dir)
        if not thread_lock.acquire(blocking=False):
            raise IndexLockedError(
                f"This process is already writing {self.index_dir}. Wait for it to finish.")
        handle = open(self.index_dir / LOCK_FILE, "a+", encoding="utf-8")
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            thread_lock.release()
            handle.seek(0)
            holder = _describe_holder(handle.read())
            handle.close()
            raise IndexLockedError(
                f"Another policysearch process is writing {self.index_dir} ({holder}). "
                "Wait for it to finish, then run this command again."
            ) from None
        handle.seek(0)
        previous = handle.read().strip()
        if previous:
            self.recovered_from = (
                f"Recovered a stale lock: an earlier write ({_describe_holder(previous)}) "
                "ended without finishing. The index it was replacing was kept; its partial "
                "work is discarded."
            )
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv[:3]),
        }))
        handle.flush()
        self._handle = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        handle = self._handle
        if handle is None:
            return
        handle.seek(0)
        handle.truncate()
        handle.flush()
        fcntl.lockf(handle, fcntl.LOCK_UN)
        handle.close()
        self._handle = None
        _thread_lock(self.index_dir).release()


_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


def _thread_lock(index_dir: Path) -> threading.Lock:
    # POSIX record locks are per process, so threads need a lock of their own.
    key = os.path.realpath(index_dir)
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


def _describe_holder(content: str) -> str:
    try:
        info = json.loads(content)
    except json.JSONDecodeError:
        return "holder unknown"
    state = ""
    if isinstance(info.get("pid"), int) and info.get("host") == socket.gethostname():
        state = ", still running" if _process_alive(info["pid"]) else ", no longer running"
    return f"pid {info.get('pid')} on {info.get('host')}, started {info.get('started')}{state}"


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _Window:
    """A read-only file over a slice of a memory map: reads slice it, nothing is copied
    up front (Whoosh's BufferFile copies its whole buffer into a BytesIO)."""

    def __init__(self, view: memoryview) -> None:
        self.view = view
        self.position = 0

    def read(self, size: int | None = -1) -> bytes:
        start = self.position
        end = len(self.view) if size is None or size < 0 else min(start + size, len(self.view))
        self.position = end
        return bytes(self.view[start:end])

    def seek(self, where: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: len(self.view)}[whence]
        self.position = base + where
        return self.position

    def tell(self) -> int:
        return self.position

    def close(self) -> None:
        self.view.release()


class _MappedFile(StructFile):
    """Whoosh's file interface over a window of a shared read-only map."""

    # A pickled block header is a few dozen bytes; larger pickles get the whole rest.
    _PICKLE_WINDOW_BYTES = 4096

    def __init__(self, view: memoryview, name: str | None = None,
                 mapped: mmap.mmap | None = None) -> None:
        super().__init__(_Window(view), name=name)
        self.is_real = False
        self._mapped = mapped  # the map itself, closed with the file that made it

    def get(self, position: int, length: int) -> bytes:
        return bytes(self.file.view[position:position + length])

    def read_pickle(self):
        window = self.file
        for size in (self._PICKLE_WINDOW_BYTES, len(window.view)):
            stream = io.BytesIO(window.view[window.position:window.position + size])
            try:
                value = pickle.load(stream)
            except (EOFError, pickle.UnpicklingError):
                if size >= len(window.view) - window.position:
                    raise
                continue  # cut short by the window: read with all the rest
            window.position += stream.tell()
            return value

    def subset(self, offset: int, length: int, name: str | None = None) -> "_MappedFile":
        return _MappedFile(self.file.view[offset:offset + length], name=name or self._name)

    def close(self) -> None:
        super().close()
        if self._mapped is not None:
            try:
                self._mapped.close()
            except BufferError:
                pass  # windows on it are still open; the map goes with the last of them


class _MappedReadStorage(FileStorage):
    """Files mapped into memory and read in place, never copied.

    Whoosh's own mapping path wraps each segment's postings in a BytesIO, which copies
    them for every reader opened: with a reader per serving thread that was the size of
    the postings per thread (x10 corpus: +330 MB per reader, measured; x50 would be
    about 4.6 times that).
    Here a compound segment is read through windows on one map per reader, so a reader
    costs next to nothing and the pages are the operating system's cache, shared by
    threads and worker processes.
    """

    def __init__(self, path: str) -> None:
        # supports_mmap=False: Whoosh then opens a compound file's parts with subset()
        # on the file given here, which is a window on the map.
        super().__init__(path, supports_mmap=False, readonly=True)

    def open_file(self, name: str, **kwargs: Any) -> StructFile:
        with open(self._fpath(name), "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return StructFile(io.BytesIO(b""), name=name)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        return _MappedFile(memoryview(mapped), name=name, mapped=mapped)


def open_for_reading(generation: Path) -> whoosh_index.Index:
    """One generation's Whoosh index, opened to read (see _MappedReadStorage)."""
    return _MappedReadStorage(str(generation)).open_index()
