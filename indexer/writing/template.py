"""The one way every backend is written: a full build and a reindex, as steps over an
engine's ``Store``.

    build:   lock -> discard leftovers -> plan against the serving state -> refuse
             (nothing read, too many deletions) -> write everything with its record
    reindex: lock -> the state to update (missing, damaged: refused) -> same analysis?
             -> plan -> refuse -> apply the changes -> record sources and counts

An engine says how to do each step on its storage (engines/whoosh/store.py,
engines/sphinx/store.py); the order, the refusals and what is recorded (the analysis
fingerprint, the sources a reindex without PATH reads again) are decided here once.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, Sequence

from indexer.config import Settings
from indexer.errors import AnalyzerChangedError
from indexer.reading.documents import Document
from indexer.reading.packed import joined, with_ids
from indexer.vectors.building import cache_of, document_vectors, updated_vectors
from indexer.vectors.model import MODEL_NAME
from indexer.vectors.store import DocumentVectors, VectorsRead
from indexer.writing.changes import ChangePlan, IndexedEntry, check_plan, plan_changes
from indexer.writing.lock import WriteLock
from indexer.writing.options import Progress, SourceRecord, WriteOptions
from indexer.writing.results import BuildResult, UpdateResult


class State(Protocol):
    """What an index holds now: read by a build, changed in place by a reindex."""

    @property
    def location(self) -> Path: ...  # named in results (a generation)

    def meta(self) -> dict[str, Any]: ...  # what the last write recorded ({}: nothing)

    def entries(self) -> dict[str, IndexedEntry]: ...

    def stored_documents(self, doc_ids: Sequence[str]) -> list[Document]: ...

    def apply(
        self, documents: Sequence[Document], plan: ChangePlan, progress: Progress | None
    ) -> int | None: ...  # the documents held afterwards, when the engine counts them

    def save_meta(self, meta: dict[str, Any]) -> None: ...

    def vectors(self) -> VectorsRead: ...  # the documents' vectors, or why there are none

    # Before save_meta; None: removes them.
    def save_vectors(self, vectors: DocumentVectors | None) -> None: ...


class Store(Protocol):
    """An engine's storage, as the write template uses it."""

    @property
    def root(self) -> Path: ...  # the directory the write lock lives in

    def discard_incomplete(self) -> str: ...  # leftovers of a write cut short: a notice

    def analysis(self) -> dict[str, Any]: ...  # what the analysis is now (compared below)

    def serving(self) -> State | None: ...  # None: nothing readable yet

    def updatable(self) -> State: ...  # IndexMissingError, IndexDamagedError

    def write_all(
        self,
        documents: Sequence[Document],
        meta: dict[str, Any],
        progress: Progress | None,
        vectors: DocumentVectors | None,
    ) -> Path: ...  # a new state with ``meta`` (and ``vectors``), serving once written


def build(
    store: Store,
    documents: Sequence[Document],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> BuildResult:
    """Writes every document into a new state, then serves it.

    Refused (nothing written) when nothing was read or when it would delete more of the
    serving index than max_delete_fraction allows. Documents of files rejected this
    time are carried over from the serving index.
    """
    options = options or WriteOptions()
    with WriteLock(store.root) as lock:
        discarded = store.discard_incomplete()
        previous = store.serving()
        existing = previous.entries() if previous else {}
        plan = plan_changes(existing, documents, None, options.troubled_files, options.rejected_ids)
        check_plan(plan, len(documents), settings.max_delete_fraction, options.allow_deletes)
        notice = "\n".join(filter(None, [lock.recovered_from, discarded]))
        if options.dry_run:
            location = previous.location if previous else store.root
            return BuildResult(location, len(documents) + len(plan.kept), notice, plan)
        carried = previous.stored_documents(plan.kept) if previous and plan.kept else []
        written = joined(documents, carried)
        vectors, embedded = None, 0
        if settings.vectors:
            _phase(options, "embedding", len(written))
            cache = cache_of(settings)
            vectors, embedded = document_vectors(
                written, cache, settings.vector_lead_chars, progress
            )
            _phase(options, "writing", len(written))
        now = utc_now_iso()
        meta = {
            **store.analysis(),
            "built_at": now,
            "updated_at": now,
            "corpus": options.corpus_description,
            "sources": [source.to_dict() for source in options.sources],
            "documents": len(documents) + len(carried),
            "rejected": options.rejected,
            "vectors": _vector_record(vectors, embedded) if vectors is not None else None,
        }
        location = store.write_all(written, meta, progress, vectors)
        return BuildResult(location, len(written), notice, plan)


def update(
    store: Store,
    documents: Sequence[Document],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> UpdateResult:
    """Adds new, updates changed (by content hash) and deletes vanished documents in place.

    Only the sources read (``options.sources``; without them, the sources of the
    documents) lose their vanished documents. Refused when the index was written by
    another analysis (tagger, user dictionary, schema): the terms would mix.
    """
    options = options or WriteOptions()
    with WriteLock(store.root) as lock:
        state = store.updatable()
        meta = state.meta()
        check_compatible(meta, store.analysis(), store.root)
        entries = state.entries()
        result = planned_update(
            entries, documents, settings.max_delete_fraction, options, state.location
        )
        result.notice = lock.recovered_from
        plan = result.plan
        assert plan is not None
        if options.dry_run:
            return result
        held = state.apply(documents, plan, progress)
        if held is not None:
            result.documents = held
        result.changed_ids = [*plan.added, *plan.updated, *plan.deleted]
        known = {s["path"]: s for s in meta.get("sources", []) if isinstance(s, dict)}
        for source in options.sources:
            known[source.path] = source.to_dict()
        meta.update(
            updated_at=utc_now_iso(), documents=result.documents, sources=list(known.values())
        )
        if not meta.get("analysis"):  # written before writes were recorded: from now on
            meta.update(store.analysis())
        if options.sources:  # every source recorded, not only the ones read this time
            meta["corpus"] = " ".join(known)
        elif options.corpus_description:
            meta["corpus"] = options.corpus_description
        if not settings.vectors:  # rows of documents changed now would be stale
            state.save_vectors(None)
            meta["vectors"] = None
        else:
            meta["vectors"] = _update_vectors(
                state, documents, plan, entries, settings, progress, options
            )
        state.save_meta(meta)
        return result


def _update_vectors(
    state: State,
    documents: Sequence[Document],
    plan: ChangePlan,
    entries: dict[str, IndexedEntry],
    settings: Settings,
    progress: Progress | None,
    options: WriteOptions,
) -> dict[str, Any]:
    """The vectors after a reindex, saved in the state: only the added and changed
    documents are embedded (the others keep their rows, or come from the cache)."""
    writing = plan.written()
    changed = list(with_ids(documents, writing))
    held = [*(doc_id for doc_id in entries if doc_id not in set(plan.deleted)), *plan.added]
    _phase(options, "embedding", len(changed))
    vectors, embedded = updated_vectors(
        state.vectors().vectors,
        changed,
        plan.deleted,
        state.stored_documents,
        held,
        settings,
        progress,
    )
    state.save_vectors(vectors)
    return _vector_record(vectors, embedded)


def _phase(options: WriteOptions, label: str, total: int) -> None:
    if options.phase is not None:
        options.phase(label, total)


def _vector_record(vectors: DocumentVectors, embedded: int) -> dict[str, Any]:
    """What meta.json says of the vectors written."""
    return {
        "model": MODEL_NAME,
        "documents": len(vectors.ids),
        "lead_chars": vectors.lead_chars,
        "embedded": embedded,
    }


def planned_update(
    existing: dict[str, IndexedEntry],
    documents: Sequence[Document],
    max_delete_fraction: float,
    options: WriteOptions,
    location: Path,
) -> UpdateResult:
    """What a reindex of ``documents`` will do to an index holding ``existing``, checked
    (DeletesRefusedError, NothingToIndexError): the counts and the plan, nothing written.
    Only the sources read (``options.sources``; without them, the documents' sources)
    lose their vanished documents."""
    scope = (
        {s.path for s in options.sources}
        if options.sources
        else {d.origin_source for d in documents}
    )
    plan = plan_changes(existing, documents, scope, options.troubled_files, options.rejected_ids)
    check_plan(plan, len(documents), max_delete_fraction, options.allow_deletes)
    return UpdateResult(
        generation=location,
        plan=plan,
        added=len(plan.added),
        updated=len(plan.updated),
        deleted=len(plan.deleted),
        unchanged=plan.unchanged,
        kept=len(plan.kept),
        documents=len(existing) + len(plan.added) - len(plan.deleted),
    )


def check_compatible(recorded: dict[str, Any], current: dict[str, Any], root: Path) -> None:
    """Refuses to update an index written by another analysis. An index written before
    the analysis was recorded (a cluster of an earlier version) has nothing to compare."""
    if not any(key in recorded for key in current):
        return
    if recorded.get("schema_version") != current.get("schema_version"):
        raise AnalyzerChangedError(
            f"The index in {root} was built by another version of policysearch "
            f"(schema {recorded.get('schema_version')}, this one uses "
            f"{current.get('schema_version')}). Run a full build: policysearch index [PATH]"
        )
    if recorded.get("tagger") != current.get("tagger"):
        raise AnalyzerChangedError(
            f"The index was built with the {recorded.get('tagger')} tagger but the "
            f"configuration says {current.get('tagger')}. Run a full build (policysearch "
            "index) to switch taggers."
        )
    if recorded.get("analysis") != current.get("analysis"):
        raise AnalyzerChangedError(
            "The user dictionary changed since the index was built, so updating it would mix "
            "two analyses of the text. Run a full build instead: policysearch index"
        )


def recorded_sources(state: State | None) -> list[SourceRecord]:
    """The sources the last write of ``state`` read (empty for an index that predates
    them, or when nothing is written yet)."""
    meta = state.meta() if state else {}
    return [
        SourceRecord(str(s.get("path")), s.get("mapping"))
        for s in meta.get("sources", [])
        if isinstance(s, dict) and s.get("path")
    ]


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
