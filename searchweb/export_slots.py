"""At most setting export_concurrency exports at once across serve's worker processes.

An export reads thousands of documents and holds its worker until the file is written
(the front reads an answer whole): twelve at once on two workers made a search wait
5.8 s (issue 29). Each slot is a file lock (flock) in a directory of the temporary
folder named after the index, so the workers of one server share the slots and a lock
is released by the kernel even when a worker dies mid-export.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import threading
from pathlib import Path

RETRY_AFTER_S = 5


class ExportSlots:
    def __init__(self, index_key: str, count: int) -> None:
        digest = hashlib.sha1(index_key.encode("utf-8")).hexdigest()[:12]
        self.directory = Path(tempfile.gettempdir()) / f"policysearch-exports-{digest}"
        self.count = count

    def take(self) -> Slot | None:
        """A free slot, or None when all are held."""
        self.directory.mkdir(mode=0o700, exist_ok=True)
        for number in range(self.count):
            descriptor = os.open(self.directory / f"slot-{number}", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            return Slot(descriptor)
        return None


class Slot:
    """A held slot; ``release`` may be called more than once (the stream's end and the
    response's close both call it)."""

    def __init__(self, descriptor: int) -> None:
        self._descriptor: int | None = descriptor
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if self._descriptor is not None:
                os.close(self._descriptor)  # closing the descriptor releases its lock
                self._descriptor = None

    def __del__(self) -> None:
        self.release()
