"""Index and reindex on the cluster, with the same plans and refusals as the Whoosh
backend's (indexer/changes.py, indexer/writer.py), and the same signatures, so the CLI
writes either backend the same way.

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
from pathlib import Path
from typing import Any, Sequence

from indexer.config import Settings
from indexer.engines.sphinx.backend import TIMEOUT_S, ClusterIndex, facet_values
from indexer.engines.sphinx.ids import shard_of, stable_id
from indexer.engines.sphinx.layout import ClusterLayout
from indexer.engines.sphinx.local import restart_shards
from indexer.engines.sphinx.sphinxql import (
    ID_BATCH,
    ClusterError,
    connect,
    every_row,
    rows_by_id,
    serving_generation,
)
from indexer.engines.sphinx.termstats import (
    CollectionStats,
    read_frequencies,
    read_totals,
    write_stats,
)
from indexer.engines.whoosh.schema import document_values
from indexer.engines.whoosh.writer import Progress, WriteOptions, planned_update
from indexer.reading.documents import Document
from indexer.writing.changes import IndexedEntry, check_plan, plan_changes
from indexer.writing.results import BuildResult, UpdateResult


def build_cluster(
    documents: Sequence[Document],
    cluster_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> BuildResult:
    """As writer.build_index, into the cluster of ``cluster_dir``. Local shard nodes are
    restarted one at a time afterwards, to read the new global.idf."""
    options = options or WriteOptions()
    root = Path(cluster_dir)
    index = ClusterIndex(ClusterLayout.load(root), settings)
    with connect(index.layout.aggregator, TIMEOUT_S) as connection:
        generation = serving_generation(connection)
        existing = indexed_entries(connection, generation, index.schema.column_attributes)
        plan = plan_changes(existing, documents, None, options.troubled_files)
        check_plan(plan, len(documents), settings.max_delete_fraction, options.allow_deletes)
        if options.dry_run:
            return BuildResult(Path(generation), len(documents) + len(plan.kept), "", plan)
        carried = _stored_documents(connection, generation, plan.kept)
    every = [*documents, *carried]
    node_dirs = [root / node.name for shard in index.layout.shards for node in shard.nodes]
    built = index.build(every, node_dirs, progress)
    restart_shards(root)
    return BuildResult(Path(built.generation), built.documents, "", plan)


def update_cluster(
    documents: Sequence[Document],
    cluster_dir: str | os.PathLike[str],
    settings: Settings,
    progress: Progress | None = None,
    options: WriteOptions | None = None,
) -> UpdateResult:
    """As writer.update_index, in the serving generation of the cluster of
    ``cluster_dir``."""
    options = options or WriteOptions()
    index = ClusterIndex(ClusterLayout.load(Path(cluster_dir)), settings)
    with connect(index.layout.aggregator, TIMEOUT_S) as connection:
        generation = serving_generation(connection)
        existing = indexed_entries(connection, generation, index.schema.column_attributes)
    result = planned_update(existing, documents, settings, options, Path(generation))
    plan = result.plan
    assert plan is not None
    if options.dry_run:
        return result
    writing = set(plan.added) | set(plan.updated)
    chosen = [d for d in documents if d.id in writing]
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
    result.changed_ids = [*plan.added, *plan.updated, *plan.deleted]
    return result


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
