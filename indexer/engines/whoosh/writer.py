"""Writing the index: full builds into a fresh generation, and incremental updates."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from whoosh import index as whoosh_index
from whoosh.writing import IndexWriter

from indexer.analysis.taggers import JVM_TAGGERS
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
    utc_now_iso,
    write_meta,
)
from indexer.engines.whoosh.mapped import open_for_reading
from indexer.engines.whoosh.private import MultiSegmentWriter
from indexer.engines.whoosh.schema import (
    SCHEMA_VERSION,
    analysis_fingerprint,
    build_schema,
    document_values,
    index_values,
)
from indexer.errors import (
    AnalyzerChangedError,
    IndexDamagedError,
    IndexMissingError,
    IndexWriteError,
)
from indexer.reading.documents import Document
from indexer.writing.changes import ChangePlan, IndexedEntry, check_plan, plan_changes
from indexer.writing.lock import WriteLock
from indexer.writing.results import BuildResult, UpdateResult

Progress = Callable[[int], None]
WRITER_MEMORY_MB = 256


def writer_processes(settings: Settings) -> int:
    # A JVM in the parent makes forked writer processes hang: JVM taggers write alone.
    if settings.tagger in JVM_TAGGERS:
        return 1
    return max(1, min(settings.build_procs, os.cpu_count() or 1))


@contextmanager
def _writing(ix: whoosh_index.Index, procs: int) -> Iterator[IndexWriter]:
    """Commits on success and cancels on any exception, like Whoosh's own context manager."""
    if procs > 1:
        writer = MultiSegmentWriter(ix, procs=procs, multisegment=True, limitmb=WRITER_MEMORY_MB)
    else:
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


@dataclass(frozen=True)
class SourceRecord:
    """A corpus PATH an index was built from, and the mapping it was read with."""

    path: str  # absolute
    mapping: str | None = None  # a shipped mapping's name or a TOML file's absolute path

    def to_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "mapping": self.mapping}


def recorded_sources(index_dir: str | os.PathLike[str]) -> list[SourceRecord]:
    """The sources the serving index was built from (empty for an index that predates them)."""
    meta = read_meta(serving_generation(index_dir).generation)
    return [
        SourceRecord(str(s.get("path")), s.get("mapping"))
        for s in meta.get("sources", [])
        if isinstance(s, dict) and s.get("path")
    ]


@dataclass
class WriteOptions:
    """How a build or reindex may change the index."""

    sources: Sequence[SourceRecord] = ()
    troubled_files: frozenset[tuple[str, str]] = frozenset()  # rejected this time: keep theirs
    allow_deletes: bool = False
    dry_run: bool = False
    corpus_description: str = ""
    rejected: int = 0


def build_index(
    documents: Sequence[Document],
    index_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> BuildResult:
    """Writes every document into a new generation, then switches readers to it.

    Refused (nothing written) when nothing was read or when it would delete more of the
    serving index than max_delete_fraction allows. Documents of files rejected this
    time are carried over from the serving index.
    """
    options = options or WriteOptions()
    root = Path(index_dir)
    with WriteLock(root) as lock:
        removed = remove_incomplete_generations(root)
        previous = _readable_current(root)
        existing = _indexed_entries(previous) if previous else {}
        plan = plan_changes(existing, documents, None, options.troubled_files)
        check_plan(plan, len(documents), settings.max_delete_fraction, options.allow_deletes)
        notice = "\n".join(filter(None, [lock.recovered_from, _removed_notice(removed)]))
        if options.dry_run:
            return BuildResult(previous or root, len(documents) + len(plan.kept), notice, plan)
        carried = _stored_documents(previous, plan.kept) if previous and plan.kept else []
        generation = new_generation(root)
        try:
            _write_generation(generation, [*documents, *carried], settings, progress)
            now = utc_now_iso()
            write_meta(
                generation,
                {
                    "schema_version": SCHEMA_VERSION,
                    "tagger": settings.tagger,
                    "analysis": analysis_fingerprint(settings),
                    "built_at": now,
                    "updated_at": now,
                    "corpus": options.corpus_description,
                    "sources": [source.to_dict() for source in options.sources],
                    "documents": len(documents) + len(carried),
                    "rejected": options.rejected,
                    "files": file_checksums(generation),
                },
            )
        except OSError as exc:
            shutil.rmtree(generation, ignore_errors=True)
            raise IndexWriteError(
                f"Writing the index in {root} failed: {exc.strerror or exc}. The partial build "
                f"was removed and the serving index is unchanged. Free space (or fix "
                f"permissions) and run the command again."
            ) from None
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        switch_generation(root, generation)
        return BuildResult(generation, len(documents) + len(carried), notice, plan)


def _write_generation(
    generation: Path, documents: Sequence[Document], settings: Settings, progress: Progress | None
) -> None:
    ix = whoosh_index.create_in(str(generation), build_schema(settings))
    with _writing(ix, writer_processes(settings)) as writer:
        for document in documents:
            writer.add_document(**index_values(document))
            if progress:
                progress(1)
    ix.close()


def _readable_current(root: Path) -> Path | None:
    """The serving generation a build compares against, or None for a first build."""
    try:
        return serving_generation(root).generation
    except IndexMissingError:  # none yet, or none readable: a build starts afresh
        return None


def _removed_notice(removed: list[str]) -> str:
    if not removed:
        return ""
    return (
        f"Removed {len(removed)} incomplete generation(s) left by a build that did not "
        f"finish: {', '.join(removed)}."
    )


def check_compatible(generation: Path, settings: Settings) -> None:
    meta = read_meta(generation)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise AnalyzerChangedError(
            f"The index in {generation.parent} was built by another version of policysearch "
            f"(schema {meta.get('schema_version')}, this one uses {SCHEMA_VERSION}). "
            "Run a full build: policysearch index [PATH]"
        )
    if meta.get("tagger") != settings.tagger:
        raise AnalyzerChangedError(
            f"The index was built with the {meta.get('tagger')} tagger but the configuration says "
            f"{settings.tagger}. Run a full build (policysearch index) to switch taggers."
        )
    if meta.get("analysis") != analysis_fingerprint(settings):
        raise AnalyzerChangedError(
            "The user dictionary changed since the index was built, so updating it would mix "
            "two analyses of the text. Run a full build instead: policysearch index"
        )


def planned_update(
    existing: dict[str, IndexedEntry],
    documents: Sequence[Document],
    settings: Settings,
    options: WriteOptions,
    generation: Path,
) -> UpdateResult:
    """What a reindex of ``documents`` will do to an index holding ``existing``, checked
    (DeletesRefusedError, NothingToIndexError): the counts and the plan, nothing written.
    Only the sources read (``options.sources``; without them, the documents' sources)
    lose their vanished documents. Both backends' reindexes start here."""
    scope = (
        {s.path for s in options.sources}
        if options.sources
        else {d.origin_source for d in documents}
    )
    plan = plan_changes(existing, documents, scope, options.troubled_files)
    check_plan(plan, len(documents), settings.max_delete_fraction, options.allow_deletes)
    return UpdateResult(
        generation=generation,
        plan=plan,
        added=len(plan.added),
        updated=len(plan.updated),
        deleted=len(plan.deleted),
        unchanged=plan.unchanged,
        kept=len(plan.kept),
        documents=len(existing) + len(plan.added) - len(plan.deleted),
    )


def update_index(
    documents: Sequence[Document],
    index_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> UpdateResult:
    """Adds new, updates changed (by content hash) and deletes vanished documents in place.

    Only the sources read (``options.sources``; without them, the sources of the
    documents) lose their vanished documents. Whoosh commits atomically: until the
    commit, readers see the previous state.
    """
    options = options or WriteOptions()
    root = Path(index_dir)
    with WriteLock(root) as lock:
        generation = current_generation(root)
        problem = generation_problem(generation, full=True)
        if problem:
            raise IndexDamagedError(
                f"The index in {root} is damaged ({problem}), so it cannot be updated. "
                f"Rebuild it: policysearch index --index-dir {root}"
            )
        check_compatible(generation, settings)
        ix = whoosh_index.open_dir(str(generation))
        with ix.reader() as reader:
            existing = _entries(reader)
        result = planned_update(existing, documents, settings, options, generation)
        result.notice = lock.recovered_from
        plan = result.plan
        assert plan is not None
        if options.dry_run:
            ix.close()
            return result
        _apply(ix, documents, plan, progress)
        with ix.reader() as reader:
            result.documents = reader.doc_count()
        ix.close()
        result.changed_ids = [*plan.added, *plan.updated, *plan.deleted]
        meta = read_meta(generation)
        known = {s["path"]: s for s in meta.get("sources", []) if isinstance(s, dict)}
        for source in options.sources:
            known[source.path] = source.to_dict()
        meta.update(
            updated_at=utc_now_iso(),
            documents=result.documents,
            sources=list(known.values()),
            files=file_checksums(generation, meta.get("files")),
        )
        if options.corpus_description:
            meta["corpus"] = options.corpus_description
        write_meta(generation, meta)
        return result


def _apply(
    ix: whoosh_index.Index,
    documents: Sequence[Document],
    plan: ChangePlan,
    progress: Progress | None,
) -> None:
    changed = set(plan.added) | set(plan.updated)
    updated = set(plan.updated)
    with _writing(ix, 1) as writer, ix.searcher() as before:
        # Whoosh's update_document/delete_by_term open a new searcher over every segment
        # per call; one searcher of the state before this update serves all deletions
        # (x10 corpus, 1% changed: 104 s before this).
        for document in documents:
            if document.id in changed:
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
