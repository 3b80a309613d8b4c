"""The index directory's write lock: one writer at a time, across processes and threads."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.errors import IndexLockedError

LOCK_FILE = "write.lock"


def process_alive(pid: int) -> bool:
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
                f"This process is already writing {self.index_dir}. Wait for it to finish."
            )
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
        handle.write(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "command": " ".join(sys.argv[:3]),
                }
            )
        )
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
        state = ", still running" if process_alive(info["pid"]) else ", no longer running"
    return f"pid {info.get('pid')} on {info.get('host')}, started {info.get('started')}{state}"
