"""Writing the Whoosh index: full builds into a fresh generation and updates in place,
through the write template (indexer/writing/template.py) over this engine's store."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from indexer.config import Settings
from indexer.engines.whoosh.generations import (
    current_generation,
    file_checksums,
    generation_problem,
    new_generation,
    read_meta,
    remove_incomplete_generations,
    serving_generation,
    switch_generation,
    write_meta,
)
from indexer.engines.whoosh.mapped import open_for_reading
from indexer.engines.whoosh.private import ChunkedSegmentWriter, MultiSegmentWriter
from indexer.engines.whoosh.schema import (
    analysis_record,
    build_schema,
    document_values,
    index_values,
)
from indexer.errors import IndexDamagedError, IndexMissingError, IndexWriteError
from indexer.reading.documents import Document
from indexer.reading.packed import document_keys, with_ids
from indexer.vectors.store import DocumentVectors, VectorsRead, load_vectors, remove_vectors
from indexer.writing import template
from indexer.writing.changes import ChangePlan, IndexedEntry
from indexer.writing.options import Progress, SourceRecord, WriteOptions, writer_processes
from indexer.writing.results import BuildResult, UpdateResult

WRITER_MEMORY_MB = 256
# A worker process starts as a fresh interpreter (engines/whoosh/private.py): about a
# second before it writes. 300 documents took 0.6 s in one process and 1.5 s with two;
# from about a thousand the second core pays for it.
PARALLEL_MIN_DOCUMENTS = 1000


@contextmanager
def _writing(ix: whoosh_index.Index, procs: int) -> Iterator[IndexWriter]:
    """Commits on success and cancels on any exception, like Whoosh's own context manager."""
    if procs > 1:
        writer = MultiSegmentWriter(ix, procs=procs, multisegment=True, limitmb=WRITER_MEMORY_MB)
    else:
        writer = ChunkedSegmentWriter(ix, limitmb=WRITER_MEMORY_MB)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def build_index(
    documents: Sequence[Document],
    index_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> BuildResult:
    """A full build into a new generation (writing/template.py ``build``)."""
    store = WhooshStore(Path(index_dir), settings)
    return template.build(store, documents, settings, progress, options)


def update_index(
    documents: Sequence[Document],
    index_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> UpdateResult:
    """A reindex in place (writing/template.py ``update``): Whoosh commits atomically,
    so until the commit readers see the previous state."""
    store = WhooshStore(Path(index_dir), settings)
    return template.update(store, documents, settings, progress, options)


def recorded_sources(index_dir: str | os.PathLike[str]) -> list[SourceRecord]:
    """The sources the serving index was built from (empty for an index that predates them)."""
    return template.recorded_sources(WhooshStore(Path(index_dir), None).serving())


class WhooshStore:
    """Generations of a Whoosh index in ``root``, for the write template."""

    def __init__(self, root: Path, settings: Settings | None) -> None:
        self.root = root
        self.settings = settings

    def discard_incomplete(self) -> str:
        removed = remove_incomplete_generations(self.root)
        if not removed:
            return ""
        return (
            f"Removed {len(removed)} incomplete generation(s) left by a build that did not "
            f"finish: {', '.join(removed)}."
        )

    def analysis(self) -> dict[str, Any]:
        assert self.settings is not None
        return analysis_record(self.settings)

    def serving(self) -> GenerationState | None:
        try:
            return GenerationState(serving_generation(self.root).generation)
        except IndexMissingError:  # none yet, or none readable: a build starts afresh
            return None

    def updatable(self) -> GenerationState:
        generation = current_generation(self.root)
        problem = generation_problem(generation, full=True)
        if problem:
            raise IndexDamagedError(
                f"The index in {self.root} is damaged ({problem}), so it cannot be updated. "
                f"Rebuild it: policysearch index --index-dir {self.root}"
            )
        return GenerationState(generation)

    def write_all(
        self,
        documents: Sequence[Document],
        meta: dict[str, Any],
        progress: Progress | None,
        vectors: DocumentVectors | None,
    ) -> Path:
        assert self.settings is not None
        generation = new_generation(self.root)
        try:
            _write_generation(generation, documents, self.settings, progress)
            if vectors is not None:
                vectors.save(generation)
            write_meta(generation, {**meta, "files": file_checksums(generation)})
        except OSError as exc:
            shutil.rmtree(generation, ignore_errors=True)
            raise IndexWriteError(
                f"Writing the index in {self.root} failed: {exc.strerror or exc}. The partial "
                f"build was removed and the serving index is unchanged. Free space (or fix "
                f"permissions) and run the command again."
            ) from None
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        switch_generation(self.root, generation)
        return generation


@dataclass(frozen=True)
class GenerationState:
    """One generation of a Whoosh index, for the write template."""

    location: Path

    def meta(self) -> dict[str, Any]:
        return read_meta(self.location)

    def entries(self) -> dict[str, IndexedEntry]:
        return _indexed_entries(self.location)

    def stored_documents(self, doc_ids: Sequence[str]) -> list[Document]:
        return _stored_documents(self.location, doc_ids)

    def apply(
        self, documents: Sequence[Document], plan: ChangePlan, progress: Progress | None
    ) -> int:
        ix = whoosh_index.open_dir(str(self.location))
        try:
            _apply(ix, documents, plan, progress)
            with ix.reader() as reader:
                return int(reader.doc_count())
        finally:
            ix.close()

    def save_meta(self, meta: dict[str, Any]) -> None:
        files = file_checksums(self.location, meta.get("files"))
        write_meta(self.location, {**meta, "files": files})

    def vectors(self) -> VectorsRead:
        return load_vectors(self.location)

    def save_vectors(self, vectors: DocumentVectors | None) -> None:
        if vectors is None:
            remove_vectors(self.location)
        else:
            vectors.save(self.location)


def _write_generation(
    generation: Path, documents: Sequence[Document], settings: Settings, progress: Progress | None
) -> None:
    ix = whoosh_index.create_in(str(generation), build_schema(settings))
    procs = writer_processes(settings) if len(documents) >= PARALLEL_MIN_DOCUMENTS else 1
    with _writing(ix, procs) as writer:
        for document, (_, content_hash) in zip(documents, document_keys(documents), strict=True):
            writer.add_document(**index_values(document, content_hash))
            if progress:
                progress(1)
    ix.close()


def _apply(
    ix: whoosh_index.Index,
    documents: Sequence[Document],
    plan: ChangePlan,
    progress: Progress | None,
) -> None:
    changed = plan.written()
    updated = set(plan.updated)
    if progress:  # the documents left as they are
        progress(len(documents) - len(changed))
    with _writing(ix, 1) as writer, ix.searcher() as before:
        # Whoosh's update_document/delete_by_term open a new searcher over every segment
        # per call; one searcher of the state before this update serves all deletions
        # (x10 corpus, 1% changed: 104 s before this).
        for document in with_ids(documents, changed):
            if document.id in updated:
                writer.delete_by_term("id", document.id, searcher=before)
            writer.add_document(**index_values(document))
            if progress:
                progress(1)
        for doc_id in plan.deleted:
            writer.delete_by_term("id", doc_id, searcher=before)


def _entries(reader) -> dict[str, IndexedEntry]:
    """id -> (content hash, origin) of every live document, from columns (no stored
    bodies loaded)."""
    ids = reader.column_reader("id")
    hashes = reader.column_reader("content_hash")
    sources = reader.column_reader("origin_source")
    files = reader.column_reader("origin_file")
    return {ids[n]: IndexedEntry(hashes[n], sources[n], files[n]) for n in reader.all_doc_ids()}


def _indexed_entries(generation: Path) -> dict[str, IndexedEntry]:
    ix = open_for_reading(generation)
    try:
        with ix.reader() as reader:
            if "origin_source" not in ix.schema.names():  # built by an older version
                ids = reader.column_reader("id")
                return {ids[n]: IndexedEntry("", "", "") for n in reader.all_doc_ids()}
            return _entries(reader)
    finally:
        ix.close()


def _stored_documents(generation: Path, doc_ids: Iterable[str]) -> list[Document]:
    """Documents as the index stored them, to carry over into a new generation."""
    ix = open_for_reading(generation)
    try:
        with ix.searcher() as searcher:
            return [
                Document(**document_values(stored))
                for doc_id in doc_ids
                if (stored := searcher.document(id=doc_id))
            ]
    finally:
        ix.close()
