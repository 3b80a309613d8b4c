"""Speed and scale: indexing, querying and HTTP serving, side by side with peer engines.

Corpora: the real documents in ../shared/data (Seoul budget programs and pledges,
national welfare programs) plus the shipped corpus/, and the same scaled x10 and x50
by re-combining real paragraphs under new ids (see bench/README.md), written to a
temporary folder.

For every corpus size:
  indexing   `policysearch index` (a child process): seconds, documents/s, peak memory
             of the process tree (RSS summed, and PSS summed: shared pages once),
             index size; `policysearch reindex` after 1% changed
  querying   SearchIndex.search with highlighting and facet counts, realistic queries
             (Korean, English, mixed; 1-4 words; a third with a facet filter):
             p50/p95/p99 ms
  HTTP       `policysearch serve` under wrk at 8 and 32 connections (with --http)
Peers on the same documents and queries: SQLite FTS5 (trigram tokenizer, bm25(),
snippet(), GROUP BY facet counts) and tantivy (fed policysearch's own analyzer tokens).

With --cluster 1,2, policysearch's cluster backend too (a local Sphinx cluster of one
shard, then of two, each with an aggregator): build, reindex, query latency, its
searchd processes' memory, beside the Whoosh backend's.

    python bench/perf.py [--scales 1,10,50] [--queries 240] [--http] [--http-seconds 30]
        [--cluster 1,2] [--json perf.json] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import Document, SearchIndex, SearchRequest, load_mapping, load_settings  # noqa: E402
from indexer.reading.readers import read_sources  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
CLI = [sys.executable, "-m", "searchweb.cli"]
SEED = 20181
PAGE_SIZE = 10
FILE_DOCUMENTS = 10_000

ENGLISH_QUERIES = [
    "Seoul",
    "public bicycle",
    "smart city",
    "water quality",
    "metaverse",
    "housing",
    "youth employment",
    "public transport",
    "welfare",
    "disability support",
    "elderly care",
    "air quality",
    "climate change",
    "urban regeneration",
    "digital",
    "budget",
]
MIXED_QUERIES = [
    "Seoul 청년",
    "AI 교육",
    "IT 일자리",
    "CCTV 설치",
    "R&D 지원",
    "IoT 스마트",
    "ICT 산업",
    "K-pop 관광",
    "LED 조명",
    "Seoul 복지",
    "NGO 협력",
    "GIS 정보",
    "CCTV 안전",
]


# -- corpora ---------------------------------------------------------------------------------


def real_documents() -> list[Document]:
    report = read_sources(
        [
            (ROOT / "corpus", load_mapping(None)),
            (SHARED_DATA / "seoul-budget-promises", load_mapping("seoul-budget-promises")),
            (SHARED_DATA / "kr-welfare-services", load_mapping("kr-welfare-services")),
        ]
    )
    return report.documents


def _paragraphs(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"\n\s*\n|(?<=[.!?다])\s+(?=\S)", text) if p.strip()]
    return parts or [text]


def scaled_documents(real: list[Document], factor: int) -> list[Document]:
    """``factor`` times as many documents: copy 0 is the real set; every further copy
    takes a real document's title and metadata and rebuilds its body from its own
    paragraphs plus one or two paragraphs of other real documents, under a new id."""
    if factor == 1:
        return list(real)
    rng = random.Random(SEED + factor)
    pools = [_paragraphs(d.body) for d in real]
    documents = list(real)
    for copy in range(1, factor):
        for number, base in enumerate(real):
            own = pools[number]
            picked = rng.sample(own, k=max(1, len(own) - 1)) if len(own) > 1 else list(own)
            for _ in range(rng.randint(1, 2)):
                picked.append(rng.choice(pools[rng.randrange(len(real))]))
            rng.shuffle(picked)
            documents.append(
                Document(
                    id=f"{base.id}~{copy}",
                    title=base.title,
                    body="\n\n".join(picked),
                    category=base.category,
                    department=base.department,
                    date=base.date,
                    year=base.year,
                    lang=base.lang,
                    source=base.source,
                    url="",
                    tags=base.tags,
                )
            )
    return documents


def write_corpus(documents: list[Document], folder: Path) -> Path:
    """JSON Lines files of FILE_DOCUMENTS records each (one x50 file would be ~500 MB,
    over the default max_file_bytes, as an export of that size should be split)."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(documents), FILE_DOCUMENTS):
        path = folder / f"documents-{start // FILE_DOCUMENTS:03d}.jsonl"
        with open(path, "w", encoding="utf-8") as handle:
            for d in documents[start : start + FILE_DOCUMENTS]:
                handle.write(
                    json.dumps(
                        {
                            "id": d.id,
                            "title": d.title,
                            "body": d.body,
                            "category": d.category,
                            "department": d.department,
                            "date": d.date,
                            "year": d.year,
                            "lang": d.lang,
                            "source": d.source,
                            "tags": d.tags,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    return folder


def change_one_percent(folder: Path) -> int:
    """Appends a sentence to the body of every 100th record; returns how many changed."""
    changed = 0
    for path in sorted(folder.glob("documents-*.jsonl")):
        changed += _change_every_100th(path)
    return changed


def _change_every_100th(path: Path) -> int:
    lines = path.read_text("utf-8").splitlines()
    changed = 0
    for number in range(0, len(lines), 100):
        record = json.loads(lines[number])
        record["body"] += "\n\n2024년 추경으로 사업 범위를 넓혔다."
        lines[number] = json.dumps(record, ensure_ascii=False)
        changed += 1
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return changed


# -- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    q: str
    category: str = ""


def make_queries(real: list[Document], count: int) -> list[BenchQuery]:
    """Korean queries from real titles (first 1-4 words), English and mixed from lists;
    a third carry a category filter taken from the document the query came from."""
    rng = random.Random(SEED)
    korean = [d for d in real if d.lang == "ko" and d.title]
    queries: list[BenchQuery] = []
    while len(queries) < count:
        kind = len(queries) % 6
        if kind == 4:
            queries.append(BenchQuery(rng.choice(ENGLISH_QUERIES)))
            continue
        if kind == 5:
            queries.append(BenchQuery(rng.choice(MIXED_QUERIES)))
            continue
        document = rng.choice(korean)
        words = re.sub(r"[()\[\]·,]", " ", document.title).split()
        if not words:
            continue
        q = " ".join(words[: rng.randint(1, min(4, len(words)))])
        category = document.category[0] if document.category and kind % 3 == 0 else ""
        queries.append(BenchQuery(q, category))
    return queries


# -- measuring processes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_rss_bytes: int  # the process tree's resident sets summed: shared pages per process
    peak_pss_bytes: int  # proportional sets summed: each shared page counted once in all
    stderr: str


def _tree_memory(root: psutil.Process) -> tuple[int, int]:
    """(RSS, PSS) of a process and its descendants. The RSS sum counts a page a forked
    child shares with its parent in both; the PSS sum is the memory the tree holds."""
    tree = [root, *root.children(recursive=True)]
    rss = pss = 0
    for process in tree:
        try:
            full = process.memory_full_info()
        except psutil.Error:
            continue
        rss += full.rss
        pss += getattr(full, "pss", full.rss)  # PSS is Linux's; elsewhere RSS
    return rss, pss


def run_measured(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Runs a command to completion, sampling its process tree's memory every 0.1 s."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True
    )
    peak_rss = peak_pss = 0
    stderr_chunks: list[str] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()))
    reader.start()
    root = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            rss, pss = _tree_memory(root)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        except psutil.Error:
            pass
        time.sleep(0.1)
    reader.join()
    seconds = time.perf_counter() - started
    if process.returncode not in (0, 3):
        raise RuntimeError(
            f"{' '.join(command)} failed ({process.returncode}): {''.join(stderr_chunks)[-2000:]}"
        )
    return Measured(seconds, peak_rss, peak_pss, "".join(stderr_chunks))


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
    }


def time_queries(
    search: Callable[[BenchQuery], object], queries: list[BenchQuery]
) -> dict[str, float]:
    """Latency of every query, first seen (after 20 warm-up queries) and seen again.

    The first pass meets most terms for the first time (policysearch then decodes their
    postings); the second pass is a server that has run a while on the same kind of
    queries (policysearch's postings cache holds the terms; peers have their pages cached).
    """
    for query in queries[:20]:
        search(query)
    figures: dict[str, float] = {}
    for prefix in ("", "again_"):
        samples = []
        for query in queries:
            started = time.perf_counter()
            search(query)
            samples.append((time.perf_counter() - started) * 1000)
        figures.update({prefix + name: value for name, value in percentiles(samples).items()})
    return figures


# -- policysearch ------------------------------------------------------------------------------


def policysearch_figures(
    corpus: Path, workdir: Path, queries: list[BenchQuery], documents: int
) -> tuple[dict, Path]:
    """Build (with document vectors, embedded afresh: an empty embedding cache), the
    same build without vectors, a reindex of 1%, and the queries with similar meaning on
    and off."""
    index_dir = workdir / "policysearch-index"
    # A cache of its own: the build pays for every embedding, as a first build does.
    env = {**os.environ, "POLICYSEARCH_VECTOR_CACHE_FILE": str(workdir / "vector-cache.sqlite")}
    built = run_measured([*CLI, "index", str(corpus), "--index-dir", str(index_dir), "-q"], env)
    seconds = built.seconds
    keywords_built = run_measured(
        [*CLI, "index", str(corpus), "--index-dir", str(workdir / "keywords-index"), "-q"],
        {**env, "POLICYSEARCH_VECTORS": "false"},
    )
    keywords_s = keywords_built.seconds
    size = folder_bytes(index_dir)
    changed = change_one_percent(corpus)
    reindex_s = run_measured(
        [*CLI, "reindex", str(corpus), "--index-dir", str(index_dir), "-q"], env
    ).seconds
    # The result cache is off: every query is answered by the engine, as on first sight.
    settings = load_settings(None, environ={}, index_dir=str(index_dir), result_cache_size=0)
    index = SearchIndex(index_dir, settings)

    def searcher(semantic: bool) -> Callable[[BenchQuery], object]:
        def search(query: BenchQuery) -> object:
            filters = {"category": [query.category]} if query.category else {}
            request = SearchRequest(q=query.q, filters=filters, size=PAGE_SIZE, semantic=semantic)
            return index.search(request)

        return search

    keywords = time_queries(searcher(False), queries)
    figures = {
        "build_s": round(seconds, 2),
        "docs_per_s": round(documents / seconds, 1),
        "peak_rss_mb": round(built.peak_rss_bytes / 2**20),
        "peak_pss_mb": round(built.peak_pss_bytes / 2**20),
        "build_without_vectors_s": round(keywords_s, 2),
        "embedding_s_per_1000_docs": round((seconds - keywords_s) * 1000 / documents, 1),
        "peak_rss_without_vectors_mb": round(keywords_built.peak_rss_bytes / 2**20),
        "peak_pss_without_vectors_mb": round(keywords_built.peak_pss_bytes / 2**20),
        "index_mb": round(size / 2**20, 1),
        "vectors_mb": round(
            sum(f.stat().st_size for f in index_dir.glob("gen-*/vectors.*")) / 2**20, 2
        ),
        "reindex_1pct_s": round(reindex_s, 2),
        "reindex_changed": changed,
        "reindex_share_of_build": round(reindex_s / seconds, 3),
        **time_queries(searcher(True), queries),
        **{f"keywords_{name}": value for name, value in keywords.items()},
    }
    figures["semantic_p50_ratio"] = round(figures["p50_ms"] / max(keywords["p50_ms"], 1e-9), 2)
    index.close()
    return figures, index_dir


# -- policysearch's cluster backend -------------------------------------------------------------


def searchd_rss_bytes(root: Path) -> int:
    """Resident memory of the cluster's searchd processes (each node's, and its watchdog)."""
    total = 0
    for pid_file in root.glob("*/searchd.pid"):
        try:
            process = psutil.Process(int(pid_file.read_text().split()[0]))
            total += sum(
                p.memory_info().rss for p in [process, *process.parents()] if p.name() == "searchd"
            )
        except (psutil.Error, ValueError, OSError):
            continue
    return total


def cluster_figures(
    corpus: Path, workdir: Path, queries: list[BenchQuery], documents: int, shards: int
) -> dict:
    """The cluster backend on a local Sphinx cluster of ``shards`` shard nodes and an
    aggregator (this machine's two cores serve them all): `policysearch index` and
    `reindex` with backend = cluster, then the same queries through its service."""
    from indexer.backends import open_index
    from indexer.engines.sphinx.local import init_cluster, start_cluster, stop_cluster

    root = workdir / f"cluster-{shards}"
    init_cluster(root, shards)
    start_cluster(root)
    env = {**os.environ, "POLICYSEARCH_BACKEND": "cluster", "POLICYSEARCH_CLUSTER_DIR": str(root)}
    try:
        built = run_measured([*CLI, "index", str(corpus), "-q"], env=env)
        searchd_rss = searchd_rss_bytes(root)
        size = folder_bytes(root)
        changed = change_one_percent(corpus)
        reindex_s = run_measured([*CLI, "reindex", str(corpus), "-q"], env=env).seconds
        settings = load_settings(
            None, environ={}, backend="cluster", cluster_dir=str(root), result_cache_size=0
        )
        service = open_index(settings)

        def search(query: BenchQuery) -> object:
            filters = {"category": [query.category]} if query.category else {}
            return service.search(SearchRequest(q=query.q, filters=filters, size=PAGE_SIZE))

        return {
            "build_s": round(built.seconds, 2),
            "docs_per_s": round(documents / built.seconds, 1),
            "peak_rss_mb": round(built.peak_rss_bytes / 2**20),
            "peak_pss_mb": round(built.peak_pss_bytes / 2**20),
            "searchd_rss_mb": round(searchd_rss / 2**20),
            "index_mb": round(size / 2**20, 1),
            "reindex_1pct_s": round(reindex_s, 2),
            "reindex_changed": changed,
            **time_queries(search, queries),
        }
    finally:
        stop_cluster(root)


# -- peers: each built in a child process (so its memory is measured like ours) ---------------


def build_fts5(corpus: Path, out: Path) -> None:
    db = sqlite3.connect(out / "fts5.db")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, "
        "category UNINDEXED, tokenize='trigram')"
    )
    for path in sorted(corpus.glob("documents-*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            rows = (
                (r["id"], r["title"], r["body"], (r["category"] or [""])[0])
                for r in map(json.loads, handle)
            )
            db.executemany("INSERT INTO docs VALUES (?, ?, ?, ?)", rows)
    db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    db.commit()
    db.close()


def fts5_searcher(out: Path) -> Callable[[BenchQuery], object]:
    db = sqlite3.connect(out / "fts5.db", check_same_thread=False)

    def search(query: BenchQuery) -> object:
        # Trigrams need 3+ characters per term; shorter words cannot be searched.
        terms = [w.replace('"', '""') for w in re.findall(r"\w+", query.q) if len(w) >= 3]
        if not terms:
            return []
        match = " AND ".join(f'"{t}"' for t in terms)
        where, args = "docs MATCH ?", [match]
        if query.category:
            where += " AND category = ?"
            args.append(query.category)
        hits = db.execute(
            f"SELECT id, title, snippet(docs, 2, '<mark>', '</mark>', '…', 24) "
            f"FROM docs WHERE {where} ORDER BY bm25(docs) LIMIT {PAGE_SIZE}",
            args,
        ).fetchall()
        facets = db.execute(
            "SELECT category, count(*) FROM docs WHERE docs MATCH ? "
            "GROUP BY category ORDER BY 2 DESC LIMIT 20",
            [match],
        ).fetchall()
        total = db.execute(f"SELECT count(*) FROM docs WHERE {where}", args).fetchone()
        return hits, facets, total

    return search


def _analyzer_tokens():
    from indexer.analysis.morphemes import bigram_analyzer, load_user_terms, morpheme_analyzer

    morphemes = morpheme_analyzer("mecab", load_user_terms())
    bigrams = bigram_analyzer()

    def tokens(text: str) -> str:
        words = [t.text for t in morphemes(text)] + [t.text for t in bigrams(text)]
        return " ".join(w for w in words if w.strip())

    return tokens


def _tantivy_schema():
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title", stored=True, tokenizer_name="whitespace")
    builder.add_text_field("body", stored=True, tokenizer_name="whitespace")
    builder.add_text_field("category", stored=True, fast=True, tokenizer_name="raw")
    return builder.build()


def build_tantivy(corpus: Path, out: Path) -> None:
    import tantivy

    tokens = _analyzer_tokens()
    folder = out / "tantivy"
    folder.mkdir()
    index = tantivy.Index(_tantivy_schema(), path=str(folder))
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for path in sorted(corpus.glob("documents-*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for record in map(json.loads, handle):
                writer.add_document(
                    tantivy.Document(
                        id=record["id"],
                        title=tokens(record["title"]),
                        body=tokens(record["body"]),
                        category=(record["category"] or [""])[0],
                    )
                )
    writer.commit()
    writer.wait_merging_threads()


def tantivy_searcher(out: Path) -> Callable[[BenchQuery], object]:
    import tantivy

    tokens = _analyzer_tokens()
    index = tantivy.Index.open(str(out / "tantivy"))
    index.reload()
    searcher = index.searcher()

    def search(query: BenchQuery) -> object:
        words = tokens(query.q).split()
        if not words:
            return []
        text = " ".join('"' + w.replace('"', "") + '"' for w in words if w.replace('"', ""))
        parsed = index.parse_query(text, ["title", "body"])
        if query.category:
            parsed = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, parsed),
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.term_query(index.schema, "category", query.category),
                    ),
                ]
            )
        result = searcher.search(parsed, PAGE_SIZE, count=True)
        generator = tantivy.SnippetGenerator.create(searcher, parsed, index.schema, "body")
        snippets = [
            generator.snippet_from_doc(searcher.doc(address)).to_html()
            for _, address in result.hits
        ]
        facets = searcher.aggregate(
            parsed, {"category": {"terms": {"field": "category", "size": 20}}}
        )
        return result.count, snippets, facets

    return search


PEERS = {
    "sqlite-fts5-trigram": (build_fts5, fts5_searcher),
    "tantivy (policysearch tokens)": (build_tantivy, tantivy_searcher),
}


def peer_figures(
    name: str, corpus: Path, workdir: Path, queries: list[BenchQuery], documents: int
) -> dict:
    out = workdir / re.sub(r"\W+", "-", name)
    out.mkdir()
    built = run_measured([sys.executable, __file__, "_build-peer", name, str(corpus), str(out)])
    search = PEERS[name][1](out)
    return {
        "build_s": round(built.seconds, 2),
        "docs_per_s": round(documents / built.seconds, 1),
        "peak_rss_mb": round(built.peak_rss_bytes / 2**20),
        "peak_pss_mb": round(built.peak_pss_bytes / 2**20),
        "index_mb": round(folder_bytes(out) / 2**20, 1),
        **time_queries(search, queries),
    }


# -- HTTP ------------------------------------------------------------------------------------

WRK_SCRIPT = """
paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format("BENCH %%d %%d %%.1f %%.1f\\n", summary.requests, errors,
                         latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(
    index_dir: Path | str,
    settings_env: dict[str, str],
    serve_args: list[str] | None = None,
) -> Iterator[str]:
    """``policysearch serve`` on ``index_dir`` with the settings of ``settings_env`` (names
    without the POLICYSEARCH_ prefix), on a free port: its base URL once it answers a
    search (or the error after two minutes); stopped, its whole group, afterwards."""
    import urllib.request

    port = free_port()
    env = {**os.environ, **{f"POLICYSEARCH_{k}": v for k, v in settings_env.items()}}
    server = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--index-dir", str(index_dir), *(serve_args or [])],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/search?q=Seoul", timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def http_figures(
    index_dir: Path,
    queries: list[BenchQuery],
    workdir: Path,
    connections: list[int],
    seconds: int,
    cache: bool = False,
    serve_args: list[str] | None = None,
) -> dict:
    from urllib.parse import urlencode

    paths = workdir / "paths.txt"
    paths.write_text(
        "".join(
            "/api/search?"
            + urlencode({"q": q.q, **({"category": q.category} if q.category else {})})
            + "\n"
            for q in queries
        ),
        "utf-8",
    )
    script = workdir / "rotate.lua"
    script.write_text(WRK_SCRIPT % paths, "utf-8")
    settings_env = {
        "API_REQUESTS_PER_MINUTE": "0",  # wrk is one client
        # wrk cycles through the queries: with the cache on it would mostly measure the cache.
        "RESULT_CACHE_SIZE": "0" if not cache else "256",
    }
    figures: dict = {}
    with serving(index_dir, settings_env, serve_args) as base:
        # The first seconds decode postings seen for the first time: a warm-up run, reported
        # apart, then the measured runs (a server that has been up a while).
        runs = [("warmup_c8", 8, min(seconds, 15))] + [(f"c{c}", c, seconds) for c in connections]
        for label, count, run_seconds in runs:
            output = subprocess.run(
                [
                    "wrk",
                    "-t",
                    "2",
                    "-c",
                    str(count),
                    "-d",
                    f"{run_seconds}s",
                    "--timeout",
                    "10s",
                    "-s",
                    str(script),
                    base,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            requests, errors, p50, p95 = re.search(
                r"BENCH (\d+) (\d+) ([\d.]+) ([\d.]+)", output
            ).groups()
            figures[label] = {
                "requests_per_s": round(int(requests) / run_seconds, 1),
                "p50_ms": float(p50),
                "p95_ms": float(p95),
                "errors": int(errors),
            }
    return figures


# -- report ----------------------------------------------------------------------------------

COMPARED = [
    "build_s",
    "docs_per_s",
    "peak_rss_mb",
    "peak_pss_mb",
    "index_mb",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "again_p50_ms",
    "again_p95_ms",
    "again_p99_ms",
    "reindex_1pct_s",
    "searchd_rss_mb",
]


def print_table(scale_name: str, documents: int, results: dict[str, dict]) -> None:
    ours = results["policysearch"]
    print(
        f"\n{scale_name}: {documents:,} documents (ratios: policysearch's figure over the other's)"
    )
    widths = [max(13, len(k) + 2) for k in COMPARED]
    print(f"{'system':<32}" + "".join(f"{k:>{w}}" for k, w in zip(COMPARED, widths, strict=True)))
    print("(again_*: the same queries a second time)")
    for system, figures in results.items():
        cells = (
            f"{figures.get(k, float('nan')):>{w}}" for k, w in zip(COMPARED, widths, strict=True)
        )
        print(f"{system[:31]:<32}" + "".join(cells))
    for system, figures in results.items():
        if system == "policysearch":
            continue
        ratios = [
            f"{ours[k] / figures[k]:.2f}" if figures.get(k) and ours.get(k) else "-"
            for k in COMPARED
        ]
        label = "ratio to " + system.removeprefix("policysearch ")
        print(
            f"{label[:31]:<32}" + "".join(f"{r:>{w}}" for r, w in zip(ratios, widths, strict=True))
        )
    print(
        f"policysearch reindex after {ours['reindex_changed']} changed documents (1%): "
        f"{ours['reindex_1pct_s']} s = {ours['reindex_share_of_build']:.1%} of a full build"
    )
    if "build_without_vectors_s" in ours:
        print(
            f"policysearch without vectors: build {ours['build_without_vectors_s']} s "
            f"(embedding {ours['embedding_s_per_1000_docs']} s per 1,000 documents, vector "
            f"files {ours['vectors_mb']} MB); queries with similar meaning off: p50 "
            f"{ours['keywords_p50_ms']} / p95 {ours['keywords_p95_ms']} ms (on: p50 {ours['p50_ms']}, "
            f"{ours['semantic_p50_ratio']}x)"
        )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_build-peer":
        name, corpus, out = argv[1], Path(argv[2]), Path(argv[3])
        PEERS[name][0](corpus, out)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="1,10,50")
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--http", action="store_true", help="Also load-test `serve` with wrk.")
    parser.add_argument("--http-seconds", type=int, default=30)
    parser.add_argument("--connections", default="8,32")
    parser.add_argument(
        "--http-cache",
        action="store_true",
        help="Serve with the result cache on (default off: engine speed).",
    )
    parser.add_argument(
        "--serve-args", default="", help="Extra options for serve under wrk, e.g. --no-front."
    )
    parser.add_argument(
        "--cluster",
        default="",
        metavar="SHARDS",
        help="Also the cluster backend on local Sphinx clusters of these shard "
        "counts, e.g. 1,2 (needs searchd).",
    )
    parser.add_argument("--json", dest="json_path")
    parser.add_argument(
        "--keep", help="Work in this folder and keep it (default: a temporary one)."
    )
    args = parser.parse_args(argv)
    if args.http and not shutil.which("wrk"):
        parser.error("--http needs wrk (Debian: apt-get install wrk).")

    workroot = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="policysearch-perf-"))
    workroot.mkdir(parents=True, exist_ok=True)
    real = real_documents()
    queries = make_queries(real, args.queries)
    print(
        f"{len(real):,} real documents; {len(queries)} queries "
        f"({sum(1 for q in queries if q.category)} with a category filter); work in {workroot}",
        flush=True,
    )
    report: dict = {"queries": [asdict(q) for q in queries], "scales": {}}
    try:
        for factor in map(int, args.scales.split(",")):
            scale_dir = workroot / f"x{factor}"
            shutil.rmtree(scale_dir, ignore_errors=True)
            documents = scaled_documents(real, factor)
            corpus = write_corpus(documents, scale_dir / "corpus")
            results: dict[str, dict] = {}
            results["policysearch"], index_dir = policysearch_figures(
                corpus, scale_dir, queries, len(documents)
            )
            print(f"x{factor} policysearch: {results['policysearch']}", flush=True)
            for shards in map(int, filter(None, args.cluster.split(","))):
                name = f"policysearch cluster ({shards} shard{'s' if shards > 1 else ''})"
                results[name] = cluster_figures(corpus, scale_dir, queries, len(documents), shards)
                print(f"x{factor} {name}: {results[name]}", flush=True)
            for peer in filter(None, args.peers.split(",")):
                results[peer] = peer_figures(peer, corpus, scale_dir, queries, len(documents))
                print(f"x{factor} {peer}: {results[peer]}", flush=True)
            if args.http:
                results["policysearch"]["http"] = http_figures(
                    index_dir,
                    queries,
                    scale_dir,
                    [int(c) for c in args.connections.split(",")],
                    args.http_seconds,
                    args.http_cache,
                    args.serve_args.split(),
                )
                print(f"x{factor} serve under wrk: {results['policysearch']['http']}", flush=True)
            report["scales"][f"x{factor}"] = {"documents": len(documents), "results": results}
            print_table(f"x{factor}", len(documents), results)
            if not args.keep:
                shutil.rmtree(scale_dir, ignore_errors=True)
    finally:
        if args.json_path:
            Path(args.json_path).write_text(
                json.dumps(report, ensure_ascii=False, indent=2), "utf-8"
            )
        if not args.keep:
            shutil.rmtree(workroot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
