"""The postings cache: bounded by bytes, shared across requests, warmed by a server."""

from __future__ import annotations

import dataclasses
import heapq
import time

import numpy as np

from indexer import SearchRequest
from indexer.engines.whoosh.index import SearchIndex
from indexer.engines.whoosh.postings import PostingsCache


def test_cache_evicts_the_least_recently_used_beyond_its_byte_bound():
    cache = PostingsCache(max_bytes=3 * (800 + 100))
    arrays = {key: (np.zeros(100, dtype=np.int64),) for key in "abcd"}
    for key in "abc":
        cache.get_or_load(key, lambda key=key: arrays[key])
    cache.get_or_load("a", lambda: arrays["a"])  # a is used again, so b is the oldest
    cache.get_or_load("d", lambda: arrays["d"])
    assert cache.bytes_used <= cache.max_bytes
    loads = []
    cache.get_or_load("b", lambda: loads.append("b") or arrays["b"])
    cache.get_or_load("a", lambda: loads.append("a") or arrays["a"])
    assert loads == ["b"]


def test_cached_arrays_cannot_be_changed_by_a_caller():
    cache = PostingsCache(max_bytes=10_000)
    (ids,) = cache.get_or_load("k", lambda: (np.arange(5),))
    assert not ids.flags.writeable


def test_a_zero_sized_cache_still_answers(policy_index):
    settings = dataclasses.replace(policy_index.settings, postings_cache_mb=0)
    index = SearchIndex(policy_index.index_dir, settings)
    try:
        plain = index.search(SearchRequest(q="장애인 지원", facets=False))
        cached = policy_index.search(SearchRequest(q="장애인 지원", facets=False))
        assert [h.id for h in plain.hits] == [h.id for h in cached.hits] and plain.total > 0
        assert index.readers.postings.bytes_used == 0
    finally:
        index.close()


def test_warming_decodes_each_fields_most_frequent_terms(policy_index):
    index = SearchIndex(policy_index.index_dir, policy_index.settings)
    try:
        report = index.warm_postings(terms_per_field=50)
        assert report.terms == 4 * 50 and report.cached_mb > 0
        reader = index.readers.current().searcher.reader()
        _, top = max(
            (info.doc_frequency(), term) for term, info in reader.iter_field("body_bigram")
        )
        before = index.readers.postings.misses
        index.readers.current().evaluator().term_documents("body_bigram", top)
        assert index.readers.postings.misses == before  # already decoded
        # ...while a rare term was not.
        rare = heapq.nsmallest(
            1, ((info.doc_frequency(), term) for term, info in reader.iter_field("body"))
        )[0][1]
        index.readers.current().evaluator().term_documents("body", rare)
        assert index.readers.postings.misses > before
    finally:
        index.close()


def test_a_server_index_warms_itself_in_the_background(policy_index):
    index = SearchIndex(policy_index.index_dir, policy_index.settings, warm_in_background=True)
    try:
        index.search(SearchRequest(q="서울"))
        deadline = time.monotonic() + 60
        while index.last_warm_up is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert index.last_warm_up is not None
        assert index.last_warm_up.terms == 4 * policy_index.settings.warm_terms_per_field
    finally:
        index.close()


def test_a_request_matches_each_whoosh_subtree_once(small_index, monkeypatch):
    """Counting, relaxing, reasons and corrections ask for a word's bigram phrase again:
    the request evaluates it once, and the page is the one the uncached evaluation gives."""
    from collections import Counter

    from indexer.engines.whoosh.evaluation import WhooshStatistics

    request = SearchRequest(q="아리수 수돗물 품질 광화문광장", semantic=False)
    uncached = small_index.search(request)
    matched: Counter = Counter()
    original = WhooshStatistics._matched

    def counted(self, node, evaluator):
        matched[(id(self), repr(node))] += 1
        return original(self, node, evaluator)

    monkeypatch.setattr(WhooshStatistics, "_matched", counted)
    fresh = SearchIndex(small_index.settings.index_dir, small_index.settings)  # no cached result
    try:
        cached = fresh.search(request)
    finally:
        fresh.close()
    assert matched and max(matched.values()) == 1
    assert [h.id for h in cached.hits] == [h.id for h in uncached.hits]
    assert (cached.total, cached.related_total) == (uncached.total, uncached.related_total)


PHRASE_RECORDS = [
    {"id": f"plaza{n}", "title": f"광화문광장 행사 {n}", "body": "광화문 앞 광장에서 열립니다."}
    for n in range(3)
] + [{"id": "river", "title": "청계천 정비", "body": "청계천 물길을 정비합니다."}]


def _scores(index, q):
    result = index.search(SearchRequest(q=q, facets=False, semantic=False, spell=False))
    return result.total, [(hit.id, hit.score) for hit in result.hits]


def test_a_phrase_one_request_matched_serves_the_next_with_the_same_answer(tmp_path, monkeypatch):
    """광화문 is a bigram phrase (광화 화문): matched by Whoosh once for both searches
    holding it, and they answer as an index without the cache does."""
    from collections import Counter

    from indexer.engines.whoosh.evaluation import WhooshStatistics

    from .conftest import index_of

    uncached = index_of(tmp_path / "a", PHRASE_RECORDS, postings_cache_mb=0, result_cache_size=0)
    expected = [_scores(uncached, q) for q in ["광화문", "광화문 행사"]]
    matched: Counter = Counter()
    original = WhooshStatistics._matched

    def counted(self, node, evaluator):
        matched[repr(node)] += 1
        return original(self, node, evaluator)

    monkeypatch.setattr(WhooshStatistics, "_matched", counted)
    index = index_of(tmp_path / "b", PHRASE_RECORDS, result_cache_size=0)
    assert [_scores(index, q) for q in ["광화문", "광화문 행사"]] == expected
    assert any("화문" in node for node in matched) and max(matched.values()) == 1


def test_phrase_matches_of_an_earlier_index_state_are_not_served_after_a_reindex(tmp_path):
    """Their scores read the state's statistics: after documents are added in place the
    phrase is matched again (the scores equal a fresh reader's of the new state)."""
    from indexer import read_corpus
    from indexer.engines.whoosh.writer import update_index

    from .conftest import index_of, write_jsonl

    index = index_of(tmp_path, PHRASE_RECORDS, result_cache_size=0)
    before = _scores(index, "광화문")
    more = [{"id": f"gate{n}", "title": "광화문 현판", "body": "광화문 " * 5} for n in range(4)]
    write_jsonl(tmp_path / "corpus" / "docs.jsonl", PHRASE_RECORDS + more)
    update_index(read_corpus(tmp_path / "corpus").documents, index.index_dir, index.settings)
    after = _scores(index, "광화문")
    fresh = SearchIndex(index.index_dir, index.settings)
    try:
        assert after == _scores(fresh, "광화문") and after[0] == before[0] + 4
        assert dict(after[1])["plaza0"] != dict(before[1])["plaza0"]  # the idf moved
    finally:
        fresh.close()
        index.close()
