"""Index and reindex on the cluster through the write template both backends share
(indexer/writing/template.py: the lock, the plans and refusals, the analysis check, the
recorded sources), with the same signatures as the Whoosh backend's, so the CLI writes
either backend the same way.

A full build fills the generation that is not serving (ClusterIndex.build), carrying
over the documents of files rejected this time, then switches to it. A reindex adds new
documents, replaces changed ones and deletes vanished ones in the serving generation,
on the shard (and mirrors) each belongs to.

Both plans compare what was read with what the cluster holds, so every shard must
answer: with one missing, its documents would look vanished and be deleted. The
cluster's document frequencies and field lengths follow each change (the old terms of a
changed or deleted document are subtracted). The global.idf the nodes rank candidates
with is left as the last full build wrote it: it only chooses candidates, which are
scored with the exact frequencies.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from indexer.config import Settings
from indexer.engines.sphinx.backend import TIMEOUT_S, ClusterIndex, facet_values
from indexer.engines.sphinx.ids import shard_of, stable_id
from indexer.engines.sphinx.layout import ClusterLayout, vector_dir
from indexer.engines.sphinx.local import restart_shards
from indexer.engines.sphinx.sphinxql import (
    ID_BATCH,
    ClusterError,
    connect,
    every_row,
    rows_by_id,
)
from indexer.engines.sphinx.termstats import (
    CollectionStats,
    read_frequencies,
    read_totals,
    write_stats,
)
from indexer.engines.whoosh.schema import analysis_record, document_values
from indexer.reading.documents import Document
from indexer.reading.packed import with_ids
from indexer.vectors.store import DocumentVectors, VectorsRead, load_vectors
from indexer.writing import template
from indexer.writing.changes import ChangePlan, IndexedEntry
from indexer.writing.files import write_text_atomically
from indexer.writing.options import Progress, WriteOptions
from indexer.writing.results import BuildResult, UpdateResult

WRITTEN_FILE = "written.json"  # per generation: what its last write recorded


def build_cluster(
    documents: Sequence[Document],
    cluster_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> BuildResult:
    """A full build (writing/template.py ``build``) into the generation that is not
    serving. Local shard nodes are restarted one at a time afterwards, to read the new
    global.idf."""
    store = ClusterStore(Path(cluster_dir), settings)
    return template.build(store, documents, settings, progress, options)


def update_cluster(
    documents: Sequence[Document],
    cluster_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> UpdateResult:
    """A reindex (writing/template.py ``update``) of the serving generation."""
    store = ClusterStore(Path(cluster_dir), settings)
    return template.update(store, documents, settings, progress, options)


class ClusterStore:
    """The two generations of a cluster, for the write template. What each write records
    (the analysis, the sources) is kept in the cluster directory, beside cluster.json,
    where the write lock lives too: writes start on the machine that holds it."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root
        self.settings = settings
        layout = ClusterLayout.load(root)
        layout.require_current(root)
        self.index = ClusterIndex(layout, settings)

    def discard_incomplete(self) -> str:
        return ""  # a build cut short left the generation that is not serving: refilled

    def analysis(self) -> dict[str, Any]:
        return analysis_record(self.settings)

    def serving(self) -> ClusterState:
        return ClusterState(self, self.index.serving())

    def updatable(self) -> ClusterState:
        return self.serving()

    def write_all(
        self,
        documents: Sequence[Document],
        meta: dict[str, Any],
        progress: Progress | None,
        vectors: DocumentVectors | None,
    ) -> Path:
        # Recorded first: the generation serves as soon as the build switches to it.
        target = ClusterState(self, self.index.target())
        target.save_meta(meta)
        target.save_vectors(vectors)  # None: the target's vectors of an earlier build go
        node_dirs = [
            self.root / node.name for shard in self.index.layout.shards for node in shard.nodes
        ]
        built = self.index.build(documents, node_dirs, progress)
        restart_shards(self.root)
        return Path(built.generation)

    def written(self) -> dict[str, Any]:
        return written_records(self.root)


def written_records(root: Path) -> dict[str, Any]:
    """Generation -> what its last write recorded (built_at, sources, analysis ...)."""
    try:
        written = json.loads((root / WRITTEN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet (a cluster of an earlier version)
        return {}
    return written if isinstance(written, dict) else {}


def generation_record(root: Path, generation: str) -> dict[str, Any]:
    meta = written_records(root).get(generation)
    return dict(meta) if isinstance(meta, dict) else {}


@dataclass(frozen=True)
class ClusterState:
    """One generation of the cluster, for the write template."""

    store: ClusterStore
    generation: str

    @property
    def location(self) -> Path:
        return Path(self.generation)

    def meta(self) -> dict[str, Any]:
        return generation_record(self.store.root, self.generation)

    def entries(self) -> dict[str, IndexedEntry]:
        index = self.store.index
        with connect(index.layout.aggregator, TIMEOUT_S) as connection:
            return indexed_entries(connection, self.generation, index.schema.column_attributes)

    def stored_documents(self, doc_ids: Sequence[str]) -> list[Document]:
        with connect(self.store.index.layout.aggregator, TIMEOUT_S) as connection:
            return _stored_documents(connection, self.generation, list(doc_ids))

    def apply(
        self, documents: Sequence[Document], plan: ChangePlan, progress: Progress | None
    ) -> None:
        """Writes the added and changed documents on the shard (and mirrors) each belongs
        to, deletes the vanished, and moves the cluster's statistics by the difference."""
        index, generation = self.store.index, self.generation
        writing = plan.written()
        chosen = list(with_ids(documents, writing))
        rows = []
        for analysed in index.analysed(chosen):
            rows += analysed
            if progress is not None:
                progress(len(analysed))
        with connect(index.layout.aggregator, TIMEOUT_S) as connection:
            old_terms = _terms_of(connection, generation, [*plan.updated, *plan.deleted])
        for number, shard_rows in index.by_shard(rows).items():
            for node in index.layout.shards[number].nodes:
                index.write_rows(node, generation, shard_rows)
        _delete(index, generation, plan.deleted)
        change = CollectionStats()
        for row in rows:
            change.add(json.loads(row.values["terms"]))
        for terms in old_terms.values():
            change.add(terms, sign=-1)
        index.name_values(generation, facet_values(chosen))
        with connect(index.layout.aggregator, TIMEOUT_S) as connection:
            _apply_stats(connection, generation, change)

    def vectors(self) -> VectorsRead:
        return load_vectors(vector_dir(self.store.root, self.generation))

    def save_vectors(self, vectors: DocumentVectors | None) -> None:
        directory = vector_dir(self.store.root, self.generation)
        if vectors is None:
            shutil.rmtree(directory, ignore_errors=True)
            return
        directory.mkdir(exist_ok=True)
        vectors.save(directory)

    def save_meta(self, meta: dict[str, Any]) -> None:
        written = {**self.store.written(), self.generation: meta}
        text = json.dumps(written, ensure_ascii=False, indent=2)
        write_text_atomically(self.store.root / WRITTEN_FILE, text)


def indexed_entries(
    connection: Any, generation: str, columns: Sequence[str]
) -> dict[str, IndexedEntry]:
    """id -> (content hash, origin) of every document the cluster holds; ClusterError
    when a shard does not answer (its documents would look vanished)."""
    entries: dict[str, IndexedEntry] = {}
    for rows, warning in every_row(connection, generation, ", ".join(("doc_id", *columns))):
        if warning:
            raise ClusterError(
                "Not every shard answers, so a reindex could take their documents "
                f"for deleted; nothing was changed. Start them and try again. ({warning})"
            )
        for row in rows:
            values = dict(zip(columns, row[2:], strict=True))
            entries[row[1]] = IndexedEntry(
                values.get("content_hash", ""),
                values.get("origin_source", ""),
                values.get("origin_file", ""),
            )
    return entries


def _stored_documents(connection: Any, generation: str, doc_ids: list[str]) -> list[Document]:
    """Documents as the cluster stored them, to carry over into a new generation."""
    ids = [stable_id(doc_id) for doc_id in doc_ids]
    return [
        Document(**document_values(json.loads(stored)))
        for _, stored in rows_by_id(connection, generation, "stored", ids)
    ]


def _terms_of(connection: Any, generation: str, doc_ids: list[str]) -> dict[str, dict[str, str]]:
    """The terms the cluster holds for documents about to change or go."""
    ids = [stable_id(doc_id) for doc_id in doc_ids]
    return {
        doc_id: json.loads(terms) if terms else {}
        for _, doc_id, terms in rows_by_id(connection, generation, "doc_id, terms", ids)
    }


def _delete(index: ClusterIndex, generation: str, doc_ids: list[str]) -> None:
    shards = len(index.layout.shards)
    for number, shard in enumerate(index.layout.shards):
        ids = [stable_id(d) for d in doc_ids if shard_of(d, shards) == number]
        for node in shard.nodes:
            with connect(node, TIMEOUT_S) as connection, connection.cursor() as cursor:
                for start in range(0, len(ids), ID_BATCH):
                    batch = ids[start : start + ID_BATCH]
                    cursor.execute(
                        f"DELETE FROM {generation} WHERE id IN ({', '.join(map(str, batch))})"
                    )


def _apply_stats(connection: Any, generation: str, change: CollectionStats) -> None:
    """The generation's totals and frequencies with ``change`` (a signed count) added."""
    totals = read_totals(connection, generation)
    totals.documents += change.documents
    for fieldname, length in change.lengths.items():
        totals.lengths[fieldname] = totals.lengths.get(fieldname, 0) + length
    changed = [key for key, count in change.frequencies.items() if count]
    current = read_frequencies(connection, generation, changed)
    for key in changed:
        totals.frequencies[key] = max(0, current.get(key, 0) + change.frequencies[key])
    write_stats(connection, generation, totals, replace_all=False)
