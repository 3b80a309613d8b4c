"""The document vectors of a Whoosh generation as the search reads them: the matrix in
float32 (a matrix product in float16 has no fast path in NumPy) and, for each row, the
document number of the reader it belongs to (-1: not in this state, deleted)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.config import Settings
from indexer.engines.whoosh.generations import META_FILE, read_meta, vector_problem
from indexer.search.semantic import Neighbours, RowsById, nearest_rows
from indexer.vectors.store import load_vectors


@dataclass(frozen=True)
class VectorTable:
    matrix: np.ndarray  # (rows, dimensions) float32, unit rows
    docnums: np.ndarray  # the document number of each row, -1 when none
    problem: str = ""  # why the vectors written cannot be read ("": read, or none written)

    @functools.cached_property
    def rows_by_id(self) -> RowsById:
        return RowsById(self.matrix, self.docnums)

    def allowed_rows(self, allowed_docs: np.ndarray) -> np.ndarray:
        """Rows whose documents ``allowed_docs`` (a mask over document numbers) allows."""
        present = self.docnums >= 0
        rows = np.zeros(len(self.docnums), dtype=bool)
        rows[present] = allowed_docs[self.docnums[present]]
        return rows

    def neighbours(
        self,
        vector: np.ndarray,
        allowed_docs: np.ndarray,
        found: np.ndarray,
        settings: Settings,
        similarity_known: np.ndarray | None = None,
    ) -> Neighbours:
        """The documents nearest ``vector`` among those ``allowed_docs`` allows, and which
        are not among ``found`` (the keyword results' document numbers);
        ``similarity_known``: the vector's similarity to each row, when computed."""
        allowed_rows = self.allowed_rows(allowed_docs)
        rows, similarity = nearest_rows(
            self.matrix, vector, allowed_rows.__getitem__, settings, similarity_known
        )
        docnums = self.docnums[rows]
        return Neighbours(
            docnums,
            similarity,
            ~np.isin(docnums, found),
            nearest=float(similarity[0]) if len(similarity) else 0.0,
            similarity_of=self.rows_by_id.similarity_of(vector),
        )


def vector_table(generation: Path, ids: list[str], live: np.ndarray) -> VectorTable:
    """The generation's vectors, placed on the reader's document numbers (``ids``: the id
    of each document number, ``live``: which are not deleted)."""
    empty = np.zeros((0, 0), dtype=np.float32)
    if not read_meta(generation).get("vectors"):  # built without vectors: nothing to say
        return VectorTable(empty, np.zeros(0, np.int64))
    problem = vector_problem(generation)
    read = load_vectors(generation)
    if problem or read.vectors is None:
        return VectorTable(empty, np.zeros(0, np.int64), problem or read.problem)
    docnum_of = {doc_id: n for n, doc_id in enumerate(ids) if live[n]}
    docnums = np.array([docnum_of.get(doc_id, -1) for doc_id in read.vectors.ids], np.int64)
    return VectorTable(np.asarray(read.vectors.matrix, dtype=np.float32), docnums)


def vectors_written_ns(generation: Path) -> int:
    """When the generation's meta.json was last written (it lists the vector files'
    checksums, so it is written after them): 0 when there is none."""
    try:
        return (generation / META_FILE).stat().st_mtime_ns
    except OSError:
        return 0
