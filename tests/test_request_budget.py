"""Every request has a time budget: a raw query of many wildcards and NOT on a
100,000-document index is answered or refused within it, a search past it stops, and
the worker is free for the next user."""

from __future__ import annotations

import itertools
import json
import random
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from indexer import Document, SearchRequest, build_index
from indexer.engines.whoosh.index import SearchIndex
from indexer.errors import QueryError, SearchTimeoutError

from .conftest import make_settings, running_server

DOCUMENTS = 100_000
# 47 characters: NOT and ten wildcards with no leading letters (each reads a whole term
# list). Whoosh's own matchers took minutes over this on an index this size.
RUNAWAY = "NOT zzq " + " ".join(f"*{letter}*" for letter in "abcdefghil")
BUDGET_MS = 3000
SLACK_S = 1.5  # clock reads between units of work, interpreter and HTTP overhead


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    letters = "abcdefghijklmnoprstuvwy"
    return ["".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(count)]


@pytest.fixture(scope="module")
def big_index_dir(tmp_path_factory):
    """100,000 short documents over a Zipf-like vocabulary of 150,000 words (a long term
    list is what wildcard scans pay for)."""
    rng = random.Random(7)
    vocabulary = _pseudo_words(rng, 150_000)
    cumulative = list(itertools.accumulate(1 / (rank + 10) for rank in range(len(vocabulary))))

    def text(words: int) -> str:
        return " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=words))

    documents = [
        Document(id=f"d{number}", title=text(4), body=text(30), category=[f"c{number % 7}"])
        for number in range(DOCUMENTS)
    ]
    settings = make_settings(tmp_path_factory.mktemp("budget"))
    build_index(documents, settings.index_dir, settings)
    return settings.index_dir


def _timed_search(index: SearchIndex, q: str) -> tuple[float, Exception | None]:
    started = time.monotonic()
    try:
        index.search(SearchRequest(q=q, raw=True, size=10))
        return time.monotonic() - started, None
    except (QueryError, SearchTimeoutError) as exc:
        return time.monotonic() - started, exc


def test_the_runaway_query_ends_within_the_budget(big_index_dir, tmp_path):
    settings = make_settings(
        tmp_path, index_dir=big_index_dir, request_timeout_ms=BUDGET_MS, result_cache_size=0
    )
    index = SearchIndex(big_index_dir, settings)
    try:
        assert index.search(SearchRequest(q="x", size=1)).total >= 0  # opened and checked
        for q in (RUNAWAY, "*a* *e* *i* *o*", "NOT *a*", "?*"):
            elapsed_s, _ = _timed_search(index, q)
            assert elapsed_s < BUDGET_MS / 1000 + SLACK_S, (q, elapsed_s)
    finally:
        index.close()


def test_a_search_past_its_budget_stops_with_a_clear_error(big_index_dir, tmp_path):
    settings = make_settings(
        tmp_path, index_dir=big_index_dir, request_timeout_ms=1, result_cache_size=0
    )
    index = SearchIndex(big_index_dir, settings)
    try:
        elapsed_s, error = _timed_search(index, RUNAWAY)
    finally:
        index.close()
    assert isinstance(error, SearchTimeoutError), error
    assert "wildcards" in str(error)
    assert elapsed_s < 1.0


def test_wildcard_scans_are_bounded_by_terms_read(big_index_dir, tmp_path, monkeypatch):
    from indexer import rawquery as query

    monkeypatch.setattr(query, "MAX_SCANNED_TERMS", 50_000)
    settings = make_settings(tmp_path, index_dir=big_index_dir, result_cache_size=0)
    index = SearchIndex(big_index_dir, settings)
    try:
        _, error = _timed_search(index, "*q* *x*")  # rare letters: most of the list is read
        assert isinstance(error, QueryError) and "50,000 index terms" in str(error)
        _, error = _timed_search(index, "ab*")  # a prefix reads only its own terms
        assert error is None
    finally:
        index.close()


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


# (budget, query): the runaway within the default budget; a query that reads every
# term of the title and body lists twice over (about half a second here) with 100 ms.
CASES = [(BUDGET_MS, RUNAWAY), (100, "*q* *x* *z* *w*")]


@pytest.mark.parametrize("budget_ms,q", CASES)
def test_over_http_the_worker_is_free_right_after(big_index_dir, budget_ms, q):
    # One worker with one thread: if the runaway were still running, the next search
    # would wait for it.
    with running_server(
        big_index_dir,
        {
            "ALLOW_RAW_QUERIES": "1",
            "REQUEST_TIMEOUT_MS": str(budget_ms),
            "API_REQUESTS_PER_MINUTE": "0",
        },
        "--workers",
        "1",
        "--threads",
        "1",
    ) as base:
        started = time.monotonic()
        status, body = _get(f"{base}/api/search?raw=1&q={quote(q)}")
        assert time.monotonic() - started < budget_ms / 1000 + SLACK_S
        if budget_ms < BUDGET_MS:
            assert status == 503 and "wildcards" in body["error"]
        else:
            assert status in (200, 400), body
        started = time.monotonic()
        status, body = _get(f"{base}/api/search?q=abcd")
        assert status == 200
        assert time.monotonic() - started < 2.0
