"""The cluster backend: documents analysed by our own analyzers, written to the shards
over SphinxQL, and searched through the aggregator.

Routing: a document goes to shard ``stable_id(id) % shards`` (a hash of its id, the same
in every process and release), and to each node of that shard (its mirrors too).
Full builds fill the generation that is not serving, on every shard, then name it in
the aggregator's state: a search sees the old documents or the new, never half.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from indexer.config import Settings
from indexer.engines.sphinx.ids import shard_of, stable_id, value_id
from indexer.engines.sphinx.layout import ClusterLayout, Node
from indexer.engines.sphinx.nodeconfig import (
    GENERATIONS,
    STATE_INDEX,
    VALUES_INDEX,
    ClusterSchema,
    cluster_schema,
)
from indexer.engines.sphinx.querytext import sphinx_word
from indexer.engines.sphinx.sphinxql import ClusterError, connect, serving_generation
from indexer.engines.sphinx.termstats import CollectionStats, encode_tokens, write_stats
from indexer.engines.whoosh.schema import build_schema, index_values
from indexer.fields import FIELDS
from indexer.reading.documents import Document
from indexer.writing.options import writer_processes

INSERT_BATCH = 200
BUILD_CHUNK = 500  # documents analysed and written at a time by a full build
# One statement stays well under searchd's max_packet_size (nodeconfig.MAX_PACKET_BYTES).
INSERT_BATCH_BYTES = 4 * 2**20
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ClusterRow:
    """One document as the shards hold it."""

    id: int
    doc_id: str
    values: dict[str, Any]  # column -> text, id, list of ids or number


@dataclass
class ClusterBuildReport:
    generation: str
    documents: int
    per_shard: dict[int, int]
    keywords: int  # distinct keywords in the cluster-wide document frequencies


class DocumentRows:
    """Documents as rows: the text fields analysed as a Whoosh index would analyse them
    (the same analyzers), joined by spaces."""

    def __init__(self, settings: Settings, schema: ClusterSchema) -> None:
        whoosh_schema = build_schema(settings)
        self.analyzers = {name: whoosh_schema[name].analyzer for name in schema.text_fields}
        self.schema = schema

    def row(self, document: Document) -> ClusterRow:
        stored = index_values(document)
        values: dict[str, Any] = {}
        terms: dict[str, str] = {}
        for name, analyzer in self.analyzers.items():
            source = name.removesuffix("_bigram")
            text = str(getattr(document, source) or "")
            tokens = [(pos, term) for term, pos, _, _ in analyzer.postings(text)]
            values[name] = " ".join(sphinx_word(text) for _, text in tokens)
            values[f"{name}_length"] = len(tokens)
            terms[name] = encode_tokens(tokens)
        values["terms"] = json.dumps(terms, ensure_ascii=False)
        values["doc_id"] = document.id
        for name in self.schema.column_attributes:
            values[name] = str(stored.get(name, ""))
        values["stored"] = json.dumps(
            {k: v for k, v in stored.items() if not k.endswith("_bigram")}, ensure_ascii=False
        )
        for name in self.schema.value_attributes:
            value = getattr(document, name) or ""
            values[name] = value_id(name, value) if value else 0
        for name in self.schema.multi_attributes:
            values[name] = [value_id(name, value) for value in getattr(document, name)]
        values["year"] = int(document.year or 0)
        values["day"] = int(document.date.replace("-", "")) if document.date else 0
        return ClusterRow(stable_id(document.id), document.id, values)


def facet_values(documents: Iterable[Document]) -> dict[int, tuple[str, str]]:
    """Value id -> (field, value) for every facet and filter value of the documents."""
    named: dict[int, tuple[str, str]] = {}
    for document in documents:
        for spec in FIELDS:
            if spec.kind == "keyword" and getattr(document, spec.name):
                value = getattr(document, spec.name)
                named[value_id(spec.name, value)] = (spec.name, value)
            elif spec.kind == "keywords":
                for value in getattr(document, spec.name):
                    named[value_id(spec.name, value)] = (spec.name, value)
    return named


def keyword_frequencies(rows: Sequence[ClusterRow], schema: ClusterSchema) -> Counter[str]:
    """Keyword -> documents holding it in any text field: the cluster's own counts."""
    frequencies: Counter[str] = Counter()
    for row in rows:
        frequencies.update({k for name in schema.text_fields for k in row.values[name].split()})
    return frequencies


def write_global_idf(frequencies: Counter[str], documents: int, out: Path) -> None:
    """The global IDF file searchd reads (global_idf), built by ``indextool --buildidf``
    from a dictionary dump in the text form ``indextool --dumpdict --stats`` writes."""
    with tempfile.TemporaryDirectory() as scratch:
        dump = Path(scratch) / "cluster.dict"
        lines = [f"total-documents: {documents}", "keyword,docs,hits,offset"]
        lines += [f"{keyword},{docs},{docs},0" for keyword, docs in sorted(frequencies.items())]
        dump.write_text("\n".join(lines) + "\n", encoding="utf-8")
        finished = subprocess.run(
            ["indextool", "--buildidf", str(dump), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    if finished.returncode != 0:
        raise ClusterError(f"indextool --buildidf failed: {finished.stdout[-500:]}")


class ClusterIndex:
    """Builds into and searches a cluster described by ``layout``."""

    def __init__(self, layout: ClusterLayout, settings: Settings) -> None:
        self.layout = layout
        self.settings = settings
        self.schema = cluster_schema()

    def serving(self) -> str:
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            return serving_generation(connection)

    def target(self) -> str:
        """The generation a full build fills: the one not serving."""
        serving = self.serving()
        return next(g for g in GENERATIONS if g != serving)

    def build(
        self,
        documents: Sequence[Document],
        global_idf_dirs: Sequence[Path] = (),
        progress: Callable[[int], None] | None = None,
    ) -> ClusterBuildReport:
        """Writes every document into the generation that is not serving, then switches
        to it. ``global_idf_dirs``: the local node directories that get the cluster's
        document frequencies (global.idf; a node reads it when it starts). Documents are
        analysed in ``build_procs`` processes and written BUILD_CHUNK at a time."""
        target = self.target()
        for shard in self.layout.shards:
            for node in shard.nodes:
                self.write_rows(node, target, [], truncate=True)
        stats = CollectionStats()
        frequencies: Counter[str] = Counter()
        per_shard = dict.fromkeys(range(len(self.layout.shards)), 0)
        for rows in self.analysed(documents):
            for number, shard_rows in self.by_shard(rows).items():
                for node in self.layout.shards[number].nodes:
                    self.write_rows(node, target, shard_rows)
                per_shard[number] += len(shard_rows)
            frequencies.update(keyword_frequencies(rows, self.schema))
            for row in rows:
                stats.add(json.loads(row.values["terms"]))
            if progress is not None:
                progress(len(rows))
        for directory in global_idf_dirs:
            write_global_idf(frequencies, stats.documents, Path(directory) / "global.idf")
        self.name_values(target, facet_values(documents))
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            write_stats(connection, target, stats, replace_all=True)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"REPLACE INTO {STATE_INDEX} (id, note, generation) VALUES (1, '', %s)",
                    (target,),
                )
        return ClusterBuildReport(
            target,
            stats.documents,
            {n + 1: count for n, count in per_shard.items()},
            len(frequencies),
        )

    def analysed(self, documents: Sequence[Document]) -> Iterator[list[ClusterRow]]:
        """The documents as rows, BUILD_CHUNK at a time, analysed in several processes
        (the taggers are most of a build's time)."""
        chunks = [documents[n : n + BUILD_CHUNK] for n in range(0, len(documents), BUILD_CHUNK)]
        processes = writer_processes(self.settings)
        if processes <= 1 or len(chunks) <= 1:
            rows_of = DocumentRows(self.settings, self.schema)
            for chunk in chunks:
                yield [rows_of.row(document) for document in chunk]
            return
        context = multiprocessing.get_context("fork")
        pool = context.Pool(processes, _start_worker, (self.settings, self.schema))
        finished = False
        try:
            yield from pool.imap(_worker_rows, chunks)
            finished = True
        finally:
            # Done: the workers leave when the queue tells them to. Not by SIGTERM (what
            # ``with Pool`` sends): a process that loaded a JVM (a KoNLPy tagger, Lucene)
            # passes the JVM's SIGTERM handler to its forked workers, which then never
            # die, and the build waited for them forever (seen in bench/relevance.py).
            if finished:
                pool.close()
            else:
                pool.terminate()
            pool.join()

    def by_shard(self, rows: Iterable[ClusterRow]) -> dict[int, list[ClusterRow]]:
        """Rows by the number of the shard that holds them."""
        shards: dict[int, list[ClusterRow]] = {n: [] for n in range(len(self.layout.shards))}
        for row in rows:
            shards[shard_of(row.doc_id, len(self.layout.shards))].append(row)
        return shards

    def write_rows(
        self, node: Node, generation: str, rows: Sequence[ClusterRow], truncate: bool = False
    ) -> None:
        """Writes rows into a node's generation: after emptying it (``truncate``, a full
        build), or replacing the rows of the same ids (a reindex)."""
        columns = ["id", *self.schema.columns]
        with connect(node, TIMEOUT_S) as connection, connection.cursor() as cursor:
            if truncate:
                cursor.execute(f"TRUNCATE RTINDEX {generation}")
            verb = "INSERT" if truncate else "REPLACE"
            head = f"{verb} INTO {generation} ({', '.join(columns)}) VALUES "
            for batch in _batches((self._values_sql(connection, row) for row in rows)):
                cursor.execute(head + ", ".join(batch))

    def _values_sql(self, connection: Any, row: ClusterRow) -> str:
        cells = [str(row.id)]
        for name in self.schema.columns:
            value = row.values[name]
            if name in self.schema.multi_attributes:
                cells.append("(" + ",".join(str(int(v)) for v in value) + ")")
            elif isinstance(value, int):
                cells.append(str(value))
            else:
                cells.append(connection.escape(str(value)))
        return "(" + ", ".join(cells) + ")"

    def name_values(self, generation: str, named: dict[int, tuple[str, str]]) -> None:
        """Records the names of facet and filter values (the shards hold their ids)."""
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            with connection.cursor() as cursor:
                items = sorted(named.items())
                for start in range(0, len(items), INSERT_BATCH):
                    batch = items[start : start + INSERT_BATCH]
                    cursor.execute(
                        f"REPLACE INTO {VALUES_INDEX} (id, note, generation, field, value) "
                        "VALUES "
                        + ", ".join(
                            f"({value_id}, '', {connection.escape(generation)}, "
                            f"{connection.escape(field)}, {connection.escape(value)})"
                            for value_id, (field, value) in batch
                        )
                    )


def _batches(values: Iterable[str]) -> Iterator[list[str]]:
    """Rows' VALUES in statements of at most INSERT_BATCH rows and about
    INSERT_BATCH_BYTES (a long document's terms make a row large)."""
    batch: list[str] = []
    size = 0
    for value in values:
        value_bytes = len(value.encode("utf-8"))
        if batch and (len(batch) >= INSERT_BATCH or size + value_bytes > INSERT_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(value)
        size += value_bytes
    if batch:
        yield batch


_worker_rows_of: DocumentRows | None = None


def _start_worker(settings: Settings, schema: ClusterSchema) -> None:
    global _worker_rows_of
    _worker_rows_of = DocumentRows(settings, schema)


def _worker_rows(documents: Sequence[Document]) -> list[ClusterRow]:
    assert _worker_rows_of is not None
    return [_worker_rows_of.row(document) for document in documents]
