"""Ranking regression: the default configuration's MRR@10 on KorQuAD dev stays above a floor.

Every 5th question (1,155 of 5,774) keeps the run near a minute; bench/relevance.py
measures the whole set and the peers.
"""

from __future__ import annotations

from .conftest import PROJECT_ROOT, make_settings

# Measured 0.9649 on this sample with the defaults (2026-11-27); set a little below.
MRR_AT_10_FLOOR = 0.960
SAMPLE_EVERY = 5


def test_default_mrr_at_10_on_korquad_dev_stays_above_the_floor(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(PROJECT_ROOT / "bench"))
    import relevance
    from ranx import Qrels, Run, evaluate

    from indexer import SearchIndex, SearchRequest, build_index

    collection = relevance.korquad()
    settings = make_settings(tmp_path)
    build_index(collection.documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    query_ids = list(collection.queries)[::SAMPLE_EVERY]
    run = {}
    for qid in query_ids:
        hits = index.search(
            SearchRequest(q=collection.queries[qid], size=10, highlight=False, facets=False)
        ).hits
        run[qid] = {hit.id: 10 - rank for rank, hit in enumerate(hits)} or {"-": 0.0}
    index.close()
    mrr = evaluate(Qrels({q: collection.qrels[q] for q in query_ids}), Run(run), "mrr@10")
    assert mrr >= MRR_AT_10_FLOOR, f"MRR@10 fell to {mrr:.4f}"
