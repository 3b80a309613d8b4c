"""Document vectors on disk, beside the index they belong to: ``vectors.npy`` (one float16
row of unit length per document) and ``vectors.json`` (the model, the document ids in row
order, the text each row embeds). Written by the write template (writing/template.py) in
the state it writes, so the generation's checksums cover them; read by the search.

A missing, damaged or foreign file reads as None with the reason: the search then runs on
keywords alone and says so."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from indexer.vectors.model import DIMENSIONS, MODEL_NAME

MATRIX_FILE = "vectors.npy"
IDS_FILE = "vectors.json"


@dataclass(frozen=True)
class DocumentVectors:
    """Row i of ``matrix`` is the vector of document ``ids[i]``; ``keys[i]`` is the cache
    key of the text it embeds (indexer/vectors/cache.py)."""

    ids: tuple[str, ...]
    keys: tuple[str, ...]
    matrix: np.ndarray  # (len(ids), DIMENSIONS) float16
    lead_chars: int

    def save(self, directory: Path) -> None:
        """Writes both files (each replaced atomically: the matrix first, then the list
        that names its rows)."""
        matrix_tmp = directory / (MATRIX_FILE + ".tmp")
        with open(matrix_tmp, "wb") as out:
            np.save(out, np.ascontiguousarray(self.matrix, dtype=np.float16))
            out.flush()
            os.fsync(out.fileno())
        os.replace(matrix_tmp, directory / MATRIX_FILE)
        record = {
            "model": MODEL_NAME,
            "dimensions": DIMENSIONS,
            "lead_chars": self.lead_chars,
            "ids": list(self.ids),
            "keys": list(self.keys),
        }
        ids_tmp = directory / (IDS_FILE + ".tmp")
        ids_tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(ids_tmp, directory / IDS_FILE)

    def without(self, doc_ids: Sequence[str]) -> DocumentVectors:
        gone = set(doc_ids)
        keep = [row for row, doc_id in enumerate(self.ids) if doc_id not in gone]
        return DocumentVectors(
            tuple(self.ids[row] for row in keep),
            tuple(self.keys[row] for row in keep),
            np.asarray(self.matrix[keep], dtype=np.float16),
            self.lead_chars,
        )

    def plus(self, other: DocumentVectors) -> DocumentVectors:
        return DocumentVectors(
            self.ids + other.ids,
            self.keys + other.keys,
            np.concatenate([np.asarray(self.matrix), other.matrix]).astype(np.float16),
            self.lead_chars,
        )


def remove_vectors(directory: Path) -> None:
    """Removes the vector files of ``directory`` (none there: nothing to do)."""
    for name in (IDS_FILE, MATRIX_FILE):
        (directory / name).unlink(missing_ok=True)


@dataclass(frozen=True)
class VectorsRead:
    vectors: DocumentVectors | None
    problem: str = ""  # why there are none: "missing", "damaged", "another model"


def load_vectors(directory: Path) -> VectorsRead:
    """The vectors kept in ``directory`` (the matrix memory-mapped), or why there are none."""
    try:
        record = json.loads((directory / IDS_FILE).read_text(encoding="utf-8"))
        matrix = np.load(directory / MATRIX_FILE, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        return VectorsRead(None, "missing")
    except (OSError, ValueError):
        return VectorsRead(None, "damaged")
    if not isinstance(record, dict) or record.get("model") != MODEL_NAME:
        return VectorsRead(None, "another model")
    ids, keys = record.get("ids"), record.get("keys")
    shape_ok = matrix.ndim == 2 and matrix.shape[1] == DIMENSIONS and matrix.dtype == np.float16
    if not (isinstance(ids, list) and isinstance(keys, list) and shape_ok):
        return VectorsRead(None, "damaged")
    if not len(ids) == len(keys) == matrix.shape[0]:
        return VectorsRead(None, "damaged")
    lead_chars = int(record.get("lead_chars") or 0)
    return VectorsRead(DocumentVectors(tuple(ids), tuple(keys), matrix, lead_chars))
