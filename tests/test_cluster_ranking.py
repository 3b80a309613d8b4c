"""The cluster ranks as the Whoosh backend does: over every query of bench/relevance.py's
judged sets (paraphrases, typos and slips, cross-lingual, unseen; 183 queries on the
same 4,745 documents), the first ten results of a two-shard cluster overlap the Whoosh
backend's by at least 0.9 on average, and MRR@10 stays with them."""

from __future__ import annotations

import pytest

from indexer import SearchRequest
from indexer.backends import open_index

from .conftest import PROJECT_ROOT

OVERLAP_FLOOR = 0.9
JUDGED_SETS = ("paraphrase", "typos", "crosslingual", "unseen")


def top10(index, q: str) -> list[str]:
    result = index.search(SearchRequest(q=q, size=10, highlight=False, facets=False))
    return [hit.id for hit in result.hits]


@pytest.fixture(scope="module")
def judged(monkeypatch_module):
    monkeypatch_module.syspath_prepend(str(PROJECT_ROOT / "bench"))
    import relevance

    return {name: relevance.judged(name)() for name in JUDGED_SETS}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_the_clusters_first_pages_are_the_whoosh_backends_on_the_judged_queries(
    judged, policy_index, policy_cluster
):
    from ranx import Qrels, Run, evaluate

    cluster = open_index(policy_cluster)
    overlaps: list[float] = []
    for name, collection in judged.items():
        runs: dict[str, dict[str, dict[str, float]]] = {"whoosh": {}, "cluster": {}}
        for qid, q in collection.queries.items():
            on_whoosh, on_cluster = top10(policy_index, q), top10(cluster, q)
            if on_whoosh:
                overlaps.append(len(set(on_whoosh) & set(on_cluster)) / len(on_whoosh))
            for backend, ids in (("whoosh", on_whoosh), ("cluster", on_cluster)):
                runs[backend][qid] = {d: 10.0 - rank for rank, d in enumerate(ids)} or {"-": 0.0}
        qrels = Qrels(collection.qrels)
        mrr = {backend: evaluate(qrels, Run(run), "mrr@10") for backend, run in runs.items()}
        assert mrr["cluster"] >= mrr["whoosh"] - 0.02, (name, mrr)
    assert len(overlaps) >= 180
    assert sum(overlaps) / len(overlaps) >= OVERLAP_FLOOR
