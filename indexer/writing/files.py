"""Files a write leaves whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """``text`` in ``path``: readers see the old file or the new one, never a part (the
    new one is written beside it, flushed to disk, then renamed over it)."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
