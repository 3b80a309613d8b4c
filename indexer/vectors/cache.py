"""Vectors remembered by what was embedded (the model and the text's SHA-256), so a
reindex or a rebuild embeds only documents whose embedded text changed. One SQLite file;
a damaged or unwritable cache is ignored (everything is embedded again), never an
error: it holds nothing that cannot be recomputed."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np

from indexer.vectors.model import DIMENSIONS, MODEL_NAME

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
_LOOKUP_BATCH = 500  # SQLite's limit on bound parameters is 999 on older builds


def text_key(text: str) -> str:
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Text key -> float16 vector, in the SQLite file at ``path`` (None: remembers
    nothing)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection | None:
        if self.path is None:
            return None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=30)
            connection.execute(_SCHEMA)
            return connection
        except sqlite3.Error:
            return None
        except OSError:
            return None

    def get_many(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        connection = self._connect()
        if connection is None:
            return {}
        wanted = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        try:
            for start in range(0, len(wanted), _LOOKUP_BATCH):
                batch = wanted[start : start + _LOOKUP_BATCH]
                marks = ",".join("?" * len(batch))
                rows = connection.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch
                )
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float16)
                    if vector.shape == (DIMENSIONS,):
                        found[key] = vector
        except sqlite3.Error:
            return found
        finally:
            connection.close()
        return found

    def put_many(self, vectors: Mapping[str, np.ndarray]) -> None:
        connection = self._connect()
        if connection is None or not vectors:
            return
        try:
            with connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                    ((key, v.astype(np.float16).tobytes()) for key, v in vectors.items()),
                )
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs time
        finally:
            connection.close()
