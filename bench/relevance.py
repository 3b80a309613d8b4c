"""Relevance benchmark: policysearch against peer engines on the same documents and queries.

Collections (built in code from ../shared/data, never copied):
  korquad  KorQuAD 1.0 dev as paragraph retrieval: 964 paragraphs, 5,774 questions,
           the question's own paragraph relevant (and any paragraph with identical text).
  pledges  The 250 Seoul mayoral pledges; the judged news headlines are the queries.

Systems: policysearch (default settings, plus variants given with --variant NAME=K=V,...),
Lucene BM25 with the Nori analyzer (Elasticsearch's Korean analysis; bench/lucene_nori.py)
at k1 1.2/b 0.75 and k1 0.9/b 0.4, SQLite FTS5 with the trigram tokenizer and bm25(),
character-bigram BM25 (rank_bm25) and whitespace-token BM25 (rank_bm25). Metrics from ranx: MRR@10, nDCG@10, Recall@100.

    python bench/relevance.py [--collections korquad,pledges] [--json results.json]
        [--variant title3=title_boost=3.0] [--max-queries N] [--sample-every N]
"""

from __future__ import annotations

import argparse
import atexit
import dataclasses
import functools
import json
import re
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from rank_bm25 import BM25Okapi
from ranx import Qrels, Run, evaluate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lucene_nori import BM25_SETTINGS, lucene_available, lucene_nori  # noqa: E402

from indexer import (  # noqa: E402
    Document,
    SearchIndex,
    SearchRequest,
    build_index,
    load_mapping,
    load_settings,
)
from indexer.reading.readers import read_sources  # noqa: E402
from indexer.vectors.building import cache_of, document_vectors  # noqa: E402
from indexer.vectors.model import embed_query  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
METRICS = ["mrr@10", "ndcg@10", "recall@100"]
DEPTH = 100


@dataclass
class Collection:
    name: str
    documents: list[Document]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def korquad() -> Collection:
    data = json.loads((SHARED_DATA / "korquad-v1-dev" / "KorQuAD_v1.0_dev.json").read_text("utf-8"))
    documents, queries, qrels = [], {}, {}
    ids_by_context: dict[str, list[str]] = {}
    for article in data["data"]:
        for index, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{article['title']}#{index}"
            documents.append(
                Document(id=doc_id, title=article["title"], body=paragraph["context"], lang="ko")
            )
            ids_by_context.setdefault(paragraph["context"], []).append(doc_id)
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                queries[qa["id"]] = qa["question"]
                qrels[qa["id"]] = {d: 1 for d in ids_by_context[paragraph["context"]]}
    return Collection("korquad", documents, queries, qrels)


def pledges() -> Collection:
    folder = SHARED_DATA / "seoul-budget-promises"
    documents = []
    with open(folder / "seoul_mayor_promises_2014_2018.jsonl", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            documents.append(
                Document(id=record["id"], title=record["title"], body=record["text_ko"], lang="ko")
            )
    judged = json.loads((folder / "promise_news_qrels.json").read_text("utf-8"))
    queries = {q["qid"]: q["query"] for q in judged if q["relevant_ids"]}
    qrels = {q["qid"]: {d: 1 for d in q["relevant_ids"]} for q in judged if q["relevant_ids"]}
    return Collection("pledges", documents, queries, qrels)


@functools.cache
def policy_documents() -> tuple[Document, ...]:
    """The shipped articles, the Seoul budget programs and pledges, and the national
    welfare programs: 4,745 documents, read with the shipped mappings as users index them."""
    report = read_sources(
        [
            (ROOT / "corpus", load_mapping(None)),
            (SHARED_DATA / "seoul-budget-promises", load_mapping("seoul-budget-promises")),
            (SHARED_DATA / "kr-welfare-services", load_mapping("kr-welfare-services")),
        ]
    )
    return tuple(report.documents)


def judged(name: str) -> Callable[[], Collection]:
    """A judged set of bench/judged/NAME.tsv over the policy documents: one query per
    line, its relevant ids, and what the user wants; # lines are comments."""

    def load() -> Collection:
        documents = list(policy_documents())
        known = {d.id for d in documents}
        queries, qrels = {}, {}
        lines = (JUDGED / f"{name}.tsv").read_text("utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            query, relevant, _need = line.split("\t")
            unknown = set(relevant.split()) - known
            if unknown:
                raise SystemExit(f"{name}.tsv line {number}: no such document {sorted(unknown)}")
            qid = f"{name}-{number}"
            queries[qid] = query
            qrels[qid] = {doc_id: 1 for doc_id in relevant.split()}
        return Collection(name, documents, queries, qrels)

    return load


JUDGED = ROOT / "bench" / "judged"
JUDGED_SETS = ("paraphrase", "typos", "typos_heldout", "crosslingual", "unseen", "english")
COLLECTIONS: dict[str, Callable[[], Collection]] = {
    "korquad": korquad,
    "pledges": pledges,
    **{name: judged(name) for name in JUDGED_SETS},
}

# -- systems: each takes the documents and returns a function query -> [(doc_id, score)] -------

Searcher = Callable[[str], list[tuple[str, float]]]


def policysearch_system(overrides: dict[str, object]) -> Callable[[list[Document]], Searcher]:
    def build(documents: list[Document]) -> Searcher:
        workdir = tempfile.mkdtemp(prefix="relevance-")
        # No time budget: a loaded machine must not turn a slow query into a failed run.
        chosen = {"request_timeout_ms": 600_000, **overrides}
        settings = load_settings(None, environ={}, index_dir=workdir, **chosen)
        build_index(documents, settings.index_dir, settings)
        index = SearchIndex(settings.index_dir, settings)

        def run(query: str) -> list[tuple[str, float]]:
            result = index.search(SearchRequest(q=query, size=DEPTH, highlight=False, facets=False))
            return [(hit.id, hit.score or 0.0) for hit in result.hits]

        return run

    return build


def cluster_system(shards: int) -> Callable[[list[Document]], Searcher]:
    """policysearch's cluster backend on a local Sphinx cluster (needs searchd), built
    as ``policysearch index`` builds it (vectors too)."""
    from indexer.backends import open_index
    from indexer.engines.sphinx.local import init_cluster, start_cluster, stop_cluster
    from indexer.engines.sphinx.writes import build_cluster

    def build(documents: list[Document]) -> Searcher:
        root = Path(tempfile.mkdtemp(prefix="relevance-cluster-")) / "nodes"
        init_cluster(root, shards)
        start_cluster(root)
        atexit.register(stop_cluster, root)
        settings = load_settings(
            None,
            environ={},
            index_dir=str(root.parent / "unused"),
            backend="cluster",
            cluster_dir=str(root),
            request_timeout_ms=600_000,
        )
        build_cluster(documents, root, settings)
        searcher = open_index(settings)

        def run(query: str) -> list[tuple[str, float]]:
            result = searcher.search(
                SearchRequest(q=query, size=DEPTH, highlight=False, facets=False)
            )
            return [(hit.id, hit.score or 0.0) for hit in result.hits]

        return run

    return build


def top10_overlap(first: dict[str, list[str]], second: dict[str, list[str]]) -> float:
    """Mean share of ``first``'s top 10 that ``second``'s top 10 holds too, per query."""
    shares = [
        len(set(ranked[:10]) & set(second.get(qid, [])[:10])) / len(ranked[:10])
        for qid, ranked in first.items()
        if ranked
    ]
    return sum(shares) / max(1, len(shares))


def fts5_trigram(documents: list[Document]) -> Searcher:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body, tokenize='trigram')"
    )
    db.executemany(
        "INSERT INTO docs VALUES (?, ?, ?)", [(d.id, d.title, d.body) for d in documents]
    )

    def run(query: str) -> list[tuple[str, float]]:
        # Trigram matching needs 3+ characters per term; any term may match (OR).
        terms = [w.replace('"', '""') for w in re.findall(r"\w+", query) if len(w) >= 3]
        if not terms:
            return []
        match = " OR ".join(f'"{t}"' for t in terms)
        rows = db.execute(
            "SELECT id, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
            (match, DEPTH),
        ).fetchall()
        return [(doc_id, -score) for doc_id, score in rows]

    return run


def _bm25_system(tokenize: Callable[[str], list[str]]) -> Callable[[list[Document]], Searcher]:
    def build(documents: list[Document]) -> Searcher:
        ids = [d.id for d in documents]
        model = BM25Okapi([tokenize(d.title + "\n" + d.body) or [""] for d in documents])

        def run(query: str) -> list[tuple[str, float]]:
            tokens = tokenize(query)
            if not tokens:
                return []
            scores = model.get_scores(tokens)
            ranked = sorted(range(len(ids)), key=lambda i: -scores[i])[:DEPTH]
            return [(ids[i], float(scores[i])) for i in ranked if scores[i] > 0]

        return run

    return build


def char_bigrams(text: str) -> list[str]:
    compact = re.sub(r"\s+", "", text.lower())
    return [compact[i : i + 2] for i in range(len(compact) - 1)]


def whitespace_tokens(text: str) -> list[str]:
    return text.lower().split()


def vectors_only(documents: list[Document]) -> Searcher:
    """The nearest documents by meaning alone: the vectors policysearch builds (the same
    text, model and cache), ranked by cosine similarity."""
    settings = load_settings(None, environ={})
    vectors, _ = document_vectors(documents, cache_of(settings), settings.vector_lead_chars)
    matrix = np.asarray(vectors.matrix, dtype=np.float32)

    def run(query: str) -> list[tuple[str, float]]:
        similarity = matrix @ embed_query(query)
        best = np.argsort(-similarity, kind="stable")[:DEPTH]
        return [(vectors.ids[i], float(similarity[i])) for i in best]

    return run


PEERS: dict[str, Callable[[list[Document]], Searcher]] = {
    "vectors-only (e5-small)": vectors_only,
    "sqlite-fts5-trigram": fts5_trigram,
    "bm25-char-bigram": _bm25_system(char_bigrams),
    "bm25-whitespace": _bm25_system(whitespace_tokens),
}


def lucene_peers() -> dict[str, Callable[[list[Document]], Searcher]]:
    """Lucene BM25 with Nori at both BM25 settings, or none (with a note) when missing."""
    missing = lucene_available()
    if missing:
        print(f"lucene-nori skipped: {missing}", file=sys.stderr)
        return {}
    return {name: lucene_nori(k1, b) for name, (k1, b) in BM25_SETTINGS.items()}


# -- running ----------------------------------------------------------------------------------


def evaluate_system(
    build: Callable[[list[Document]], Searcher],
    collection: Collection,
    max_queries: int | None,
    sample_every: int = 1,
    ranked_ids: dict[str, list[str]] | None = None,
) -> dict[str, float]:
    """The metrics of one system on one collection; with ``ranked_ids``, each query's
    ranked document ids are stored there too (for pooling)."""
    started = time.perf_counter()
    search = build(collection.documents)
    built = time.perf_counter()
    query_ids = list(collection.queries)[::sample_every]
    if max_queries:
        query_ids = query_ids[:max_queries]
    run: dict[str, dict[str, float]] = {}
    for qid in query_ids:
        ranked = search(collection.queries[qid])
        if ranked_ids is not None:
            ranked_ids[qid] = [doc_id for doc_id, _ in ranked]
        # ranx needs a score per document; ties broken by rank keep the engine's order.
        run[qid] = {doc_id: DEPTH - rank for rank, (doc_id, _) in enumerate(ranked)} or {"-": 0.0}
    finished = time.perf_counter()
    qrels = Qrels({qid: collection.qrels[qid] for qid in query_ids})
    scores = evaluate(qrels, Run(run), METRICS)
    return {
        **{m: round(float(v), 4) for m, v in scores.items()},
        "build_s": round(built - started, 2),
        "query_ms": round((finished - built) * 1000 / max(1, len(query_ids)), 2),
    }


def print_pool(collection: Collection, runs: dict[str, dict[str, list[str]]], depth: int) -> None:
    titles = {d.id: d.title for d in collection.documents}
    for qid, query in collection.queries.items():
        relevant = collection.qrels[qid]
        pooled: dict[str, list[str]] = {}
        for system_name, ranked in runs.items():
            for rank, doc_id in enumerate(ranked.get(qid, [])[:depth], 1):
                if doc_id not in relevant:
                    pooled.setdefault(doc_id, []).append(f"{system_name.split()[0]}#{rank}")
        print(f"\n{qid} {query}  (judged: {' | '.join(titles[d] for d in relevant)})")
        for doc_id, where in pooled.items():
            print(f"   {doc_id:<24} {titles[doc_id][:60]:<60} {' '.join(where)}")


def parse_variant(text: str) -> tuple[str, dict[str, object]]:
    name, _, assignments = text.partition("=")
    overrides: dict[str, object] = {}
    types = {f.name: type(f.default) for f in dataclasses.fields(load_settings(None, environ={}))}
    for assignment in filter(None, assignments.split(",")):
        key, _, value = assignment.partition("=")
        if types[key] is bool:  # bool("False") is True
            if value.lower() not in ("true", "false", "1", "0"):
                raise SystemExit(f"--variant {name}: {key} takes true or false, not {value!r}")
            overrides[key] = value.lower() in ("true", "1")
        else:
            overrides[key] = types[key](value)
    return name, overrides


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--collections", default="korquad,pledges")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        help="NAME=setting=value,setting=value: another policysearch configuration",
    )
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--no-default",
        action="store_true",
        help="Only the variants (and peers), not the default configuration.",
    )
    parser.add_argument("--max-queries", type=int, default=None)
    parser.add_argument(
        "--sample-every", type=int, default=1, help="Use every Nth query (quicker tuning runs)."
    )
    parser.add_argument("--json", dest="json_path", help="Also write the results here.")
    parser.add_argument(
        "--cluster",
        type=int,
        default=0,
        metavar="SHARDS",
        help="Also the cluster backend on a local Sphinx cluster of SHARDS "
        "shards, with its top-10 overlap against the default.",
    )
    parser.add_argument(
        "--pool",
        type=int,
        default=0,
        metavar="K",
        help="Print, per query, the documents in any system's top K that are not "
        "judged relevant: what to read when judging a set.",
    )
    args = parser.parse_args(argv)

    systems: dict[str, Callable[[list[Document]], Searcher]] = {}
    if not args.no_default:
        systems["policysearch (default)"] = policysearch_system({})
    for variant in args.variant:
        name, overrides = parse_variant(variant)
        systems[f"policysearch ({name})"] = policysearch_system(overrides)
    if args.cluster:
        systems[f"policysearch cluster ({args.cluster} shards)"] = cluster_system(args.cluster)
    if not args.no_peers:
        systems.update(lucene_peers())
        systems.update(PEERS)

    results: dict[str, dict[str, dict[str, float]]] = {}
    for collection_name in args.collections.split(","):
        collection = COLLECTIONS[collection_name]()
        print(
            f"\n{collection.name}: {len(collection.documents)} documents, "
            f"{len(collection.queries)} queries"
        )
        print(
            f"{'system':<34}"
            + "".join(f"{m:>12}" for m in METRICS)
            + f"{'build s':>10}{'ms/query':>10}"
        )
        runs: dict[str, dict[str, list[str]]] = {}
        for system_name, build in systems.items():
            runs[system_name] = {}
            figures = evaluate_system(
                build, collection, args.max_queries, args.sample_every, runs[system_name]
            )
            results.setdefault(collection.name, {})[system_name] = figures
            print(
                f"{system_name:<34}"
                + "".join(f"{figures[m]:>12.4f}" for m in METRICS)
                + f"{figures['build_s']:>10.2f}{figures['query_ms']:>10.2f}",
                flush=True,
            )
        cluster_name = f"policysearch cluster ({args.cluster} shards)"
        if args.cluster and "policysearch (default)" in runs:
            overlap = top10_overlap(runs["policysearch (default)"], runs[cluster_name])
            results[collection.name][cluster_name]["top10_overlap"] = round(overlap, 4)
            print(f"{'top-10 overlap, cluster vs default':<34}{overlap:>12.4f}", flush=True)
        if args.pool:
            print_pool(collection, runs, args.pool)
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
