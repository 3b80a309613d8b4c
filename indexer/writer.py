"""Writing the index: full builds into a fresh generation, and incremental updates."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

from whoosh import index as whoosh_index
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import IndexWriter

from .config import Settings
from .documents import Document
from .errors import ConfigError
from .schema import SCHEMA_VERSION, build_schema
from .storage import (
    WriteLock, current_generation, new_generation, read_meta, switch_generation, utc_now_iso,
    write_meta,
)
from .taggers import JVM_TAGGERS

Progress = Callable[[int], None]
WRITER_MEMORY_MB = 256
PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


@dataclass
class BuildResult:
    generation: Path
    documents: int
    notice: str = ""  # e.g. a recovered stale lock


@dataclass
class UpdateResult:
    generation: Path
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    documents: int = 0
    notice: str = ""
    changed_ids: list[str] = field(default_factory=list)


def document_fields(document: Document) -> dict[str, object]:
    """Whoosh field values of a document; empty values are left out."""
    values: dict[str, object] = {
        "id": document.id,
        "content_hash": document.content_hash(),
        "title": document.title,
        "body": document.body,
        "title_bigram": document.title,
        "body_bigram": document.body,
        "category": ",".join(document.category),
        "department": document.department,
        "source": document.source,
        "date": document.date,
        "year": str(document.year) if document.year else "",
        "lang": document.lang,
        "tags": ",".join(document.tags),
        "url": document.url,
        "author": document.author,
    }
    return {name: value for name, value in values.items() if value not in ("", None)}


def _writer_procs(settings: Settings) -> int:
    # A JVM in the parent makes forked writer processes hang: JVM taggers write alone.
    if settings.tagger in JVM_TAGGERS:
        return 1
    return max(1, min(settings.build_procs, os.cpu_count() or 1))


class _WorkerDiesWithParent(SubWriterTask):
    """A writer worker that is killed when the building process dies.

    Whoosh's workers block on their job queue forever once the parent is gone
    (e.g. after kill -9), holding memory and files of an abandoned build.
    """

    def run(self) -> None:
        _die_with_parent()
        super().run()


class _MultiSegmentWriter(MpWriter):
    def _new_task(self) -> SubWriterTask:
        task = _WorkerDiesWithParent(self.storage, self.indexname, self.jobqueue,
                                     self.resultqueue, self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers may outlive a killed parent
        pass


@contextmanager
def _writing(ix: whoosh_index.Index, procs: int) -> Iterator[IndexWriter]:
    """Commits on success and cancels on any exception, like Whoosh's own context manager."""
    if procs > 1:
        writer = _MultiSegmentWriter(ix, procs=procs, multisegment=True, limitmb=WRITER_MEMORY_MB)
    else:
        writer = ix.writer(limitmb=WRITER_MEMORY_MB)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def build_index(documents: Sequence[Document], index_dir: str | os.PathLike[str],
                settings: Settings, progress: Progress | None = None,
                corpus_description: str = "", rejected: int = 0) -> BuildResult:
    """Writes every document into a new generation, then switches readers to it."""
    root = Path(index_dir)
    with WriteLock(root) as lock:
        generation = new_generation(root)
        schema = build_schema(settings)
        ix = whoosh_index.create_in(str(generation), schema)
        with _writing(ix, _writer_procs(settings)) as writer:
            for document in documents:
                writer.add_document(**document_fields(document))
                if progress:
                    progress(1)
        ix.close()
        now = utc_now_iso()
        write_meta(generation, {
            "schema_version": SCHEMA_VERSION,
            "tagger": settings.tagger,
            "built_at": now,
            "updated_at": now,
            "corpus": corpus_description,
            "documents": len(documents),
            "rejected": rejected,
        })
        switch_generation(root, generation)
        return BuildResult(generation=generation, documents=len(documents), notice=lock.recovered_from)


def check_compatible(generation: Path, settings: Settings) -> None:
    meta = read_meta(generation)
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise ConfigError(
            f"The index in {generation.parent} was built by another version of policysearch "
            f"(schema {meta.get('schema_version')}, this one uses {SCHEMA_VERSION}). "
            "Run a full build: policysearch index [PATH]"
        )
    if meta.get("tagger") != settings.tagger:
        raise ConfigError(
            f"The index was built with the {meta.get('tagger')} tagger but the configuration says "
            f"{settings.tagger}. Run a full build (policysearch index) to switch taggers."
        )


def update_index(documents: Sequence[Document], index_dir: str | os.PathLike[str],
                 settings: Settings, progress: Progress | None = None,
                 corpus_description: str = "") -> UpdateResult:
    """Adds new, updates changed (by content hash) and deletes vanished documents in place.

    Whoosh commits atomically: until the commit, readers see the previous state.
    """
    root = Path(index_dir)
    with WriteLock(root) as lock:
        generation = current_generation(root)
        check_compatible(generation, settings)
        ix = whoosh_index.open_dir(str(generation))
        with ix.reader() as reader:
            existing = _stored_hashes(reader)
        result = UpdateResult(generation=generation, notice=lock.recovered_from)
        wanted = {d.id for d in documents}
        with _writing(ix, 1) as writer, ix.searcher() as before:
            # Whoosh's update_document/delete_by_term open a new searcher over every segment
            # per call; one searcher of the state before this update serves all deletions
            # (x10 corpus, 1% changed: 104 s before this).
            for document in documents:
                old_hash = existing.get(document.id)
                new_hash = document.content_hash()
                if old_hash is None:
                    writer.add_document(**document_fields(document))
                    result.added += 1
                    result.changed_ids.append(document.id)
                elif old_hash != new_hash:
                    writer.delete_by_term("id", document.id, searcher=before)
                    writer.add_document(**document_fields(document))
                    result.updated += 1
                    result.changed_ids.append(document.id)
                else:
                    result.unchanged += 1
                if progress:
                    progress(1)
            for doc_id in existing.keys() - wanted:
                writer.delete_by_term("id", doc_id, searcher=before)
                result.deleted += 1
                result.changed_ids.append(doc_id)
        with ix.reader() as reader:
            result.documents = reader.doc_count()
        ix.close()
        meta = read_meta(generation)
        meta.update(updated_at=utc_now_iso(), documents=result.documents)
        if corpus_description:
            meta["corpus"] = corpus_description
        write_meta(generation, meta)
        return result


def _stored_hashes(reader) -> dict[str, str]:
    """id -> content hash of every live document, from columns (no stored bodies loaded)."""
    ids = reader.column_reader("id")
    hashes = reader.column_reader("content_hash")
    return {ids[docnum]: hashes[docnum] for docnum in reader.all_doc_ids()}

