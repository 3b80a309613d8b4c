"""Ranking regression on the judged sets of bench/judged/ (paraphrases, typos and slips,
cross-lingual, unseen everyday queries): the default configuration's MRR@10 on each stays
above a floor set a little below the figure measured with bench/relevance.py."""

from __future__ import annotations

import pytest

from indexer import SearchRequest

from .conftest import PROJECT_ROOT

# Measured 2026-11-27 with the defaults (bench/README.md); floors ~0.03 below. The
# held-out typos (measured 2026-12-07, 0.8925) guard against regressions only: nothing
# was tuned on them.
FLOORS = {
    "paraphrase": 0.76,
    "typos": 0.88,
    "typos_heldout": 0.86,
    "crosslingual": 0.66,
    "unseen": 0.50,
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_default_mrr_at_10_on_a_judged_set_stays_above_its_floor(name, policy_index, monkeypatch):
    monkeypatch.syspath_prepend(str(PROJECT_ROOT / "bench"))
    import relevance
    from ranx import Qrels, Run, evaluate

    collection = relevance.judged(name)()
    known = {document.id for document in collection.documents}
    assert all(set(relevant) <= known for relevant in collection.qrels.values())
    run = {}
    for qid, query in collection.queries.items():
        hits = policy_index.search(SearchRequest(q=query, size=10, highlight=False)).hits
        run[qid] = {hit.id: 10 - rank for rank, hit in enumerate(hits)} or {"-": 0.0}
    mrr = evaluate(Qrels(collection.qrels), Run(run), "mrr@10")
    assert mrr >= FLOORS[name], f"{name}: MRR@10 fell to {mrr:.4f}"
