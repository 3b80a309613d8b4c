"""Every request has a time budget: a raw query of many wildcards and NOT is answered,
refused or stopped, a search past its budget stops at its next check with a clear error,
and the worker is free for the next user.

The budget is measured by the index's clock. Tests give it a fake clock, so what is
checked is that every long path reads the clock as it goes and stops once it says the
budget is spent, not how fast this machine is. How long the real searches take against
their budget is a figure of bench/request_budget.py.
"""

from __future__ import annotations

import itertools
import json
import random
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from indexer import Document, SearchRequest, build_index
from indexer.deadline import Deadline
from indexer.engines.whoosh.index import SearchIndex
from indexer.errors import QueryError, SearchTimeoutError
from indexer.query import rawquery

from .conftest import SteppingClock, make_settings, running_server

DOCUMENTS = 20_000
# NOT and ten wildcards with no leading letters: each reads a whole term list. Whoosh's
# own matchers took minutes over this on a 100,000-document index.
RUNAWAY = "NOT zzq " + " ".join(f"*{letter}*" for letter in "abcdefghil")
HOSTILE = (RUNAWAY, "*a* *e* *i* *o*", "NOT *a*", "?*")
BUDGET_MS = 3000


def _pseudo_words(rng: random.Random, count: int) -> list[str]:
    letters = "abcdefghijklmnoprstuvwy"
    return ["".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(count)]


@pytest.fixture(scope="module")
def big_index_dir(tmp_path_factory):
    """20,000 short documents over a Zipf-like vocabulary of 60,000 words (a long term
    list is what wildcard scans pay for)."""
    rng = random.Random(7)
    vocabulary = _pseudo_words(rng, 60_000)
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


def _search(index: SearchIndex, q: str) -> Exception | None:
    try:
        index.search(SearchRequest(q=q, raw=True, size=10))
        return None
    except (QueryError, SearchTimeoutError) as exc:
        return exc


def _index(index_dir: str, tmp_path, clock: SteppingClock, **settings) -> SearchIndex:
    settings.setdefault("request_timeout_ms", BUDGET_MS)
    return SearchIndex(
        index_dir,
        make_settings(tmp_path, index_dir=index_dir, result_cache_size=0, **settings),
        clock=clock,
    )


def _reads_of(index_dir: str, tmp_path, q: str) -> int:
    """How often a search of ``q`` reads its clock when no time goes by."""
    clock = SteppingClock(step_ms=0)
    with _index(index_dir, tmp_path, clock) as index:
        index.search(SearchRequest(q="x", size=1))  # opened and checked
        clock.reads = 0
        _search(index, q)
    return clock.reads


@pytest.mark.parametrize("q", HOSTILE)
def test_a_hostile_query_reads_its_clock_as_it_goes_and_stops_at_its_budget(
    big_index_dir, tmp_path, q
):
    reads = _reads_of(big_index_dir, tmp_path, q)
    # Every scan of a term list and every matcher reads the clock every few thousand
    # terms or few hundred documents: these queries read it hundreds of times.
    assert reads >= 100, reads
    # Told that 1/10 of the budget goes by at each read, the search must stop.
    clock = SteppingClock(step_ms=BUDGET_MS / 10)
    with _index(big_index_dir, tmp_path, clock) as index:
        error = _search(index, q)
    assert isinstance(error, SearchTimeoutError), (q, error)
    assert clock.reads <= 12, clock.reads  # at the first check past the budget


def test_once_the_budget_is_spent_the_search_reads_the_clock_no_more(big_index_dir, tmp_path):
    # The clock jumps past the budget after five reads: the fifth check after the start
    # (the sixth read) is the last; no work goes on after it.
    clock = SteppingClock(step_ms=0, jump_after_reads=5, jump_ms=BUDGET_MS + 1)
    with _index(big_index_dir, tmp_path, clock) as index:
        error = _search(index, RUNAWAY)
    assert isinstance(error, SearchTimeoutError)
    assert "wildcards" in str(error)
    assert clock.reads == 6


def test_a_term_scan_reads_the_clock_every_few_thousand_terms(big_index_dir, tmp_path):
    from whoosh import query as Q

    clock = SteppingClock(step_ms=0)
    with _index(big_index_dir, tmp_path, clock) as index:
        reader = index.readers.current().reader
        terms = sum(1 for _ in reader.lexicon("body"))
        deadline = Deadline(BUDGET_MS, clock)
        rawquery.bound_expansions(Q.Wildcard("body", "*zq*"), reader, 10, deadline)
    assert terms > 4 * rawquery.SCAN_CHECK_EVERY  # a list long enough to need checks
    assert clock.reads - 1 == terms // rawquery.SCAN_CHECK_EVERY


def test_a_plain_query_stays_well_inside_its_budget(big_index_dir, tmp_path):
    # Ordinary words read the clock a handful of times: the checks cost nothing a user
    # would notice, and a budget never stops a plain search.
    assert _reads_of(big_index_dir, tmp_path, "abcd efgh") < 20


def test_wildcard_scans_are_bounded_by_terms_read(big_index_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(rawquery, "MAX_SCANNED_TERMS", 20_000)
    with _index(big_index_dir, tmp_path, SteppingClock(step_ms=0)) as index:
        error = _search(index, "*q* *x*")  # rare letters: most of the list is read
        assert isinstance(error, QueryError) and "20,000 index terms" in str(error)
        assert _search(index, "ab*") is None  # a prefix reads only its own terms


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_over_http_a_search_past_its_budget_is_503_and_the_worker_serves_the_next(
    big_index_dir,
):
    # One worker with one thread: the next search is answered by the same thread, so the
    # stopped one is no longer running. A 1 ms budget is far below what four wildcards
    # over these term lists take.
    with running_server(
        big_index_dir,
        {"ALLOW_RAW_QUERIES": "1", "REQUEST_TIMEOUT_MS": "1", "API_REQUESTS_PER_MINUTE": "0"},
        "--workers",
        "1",
        "--threads",
        "1",
        ready_path="/api/doc/d1",  # a search may or may not end within 1 ms
    ) as base:
        status, body = _get(f"{base}/api/search?raw=1&q={quote('*q* *x* *z* *w*')}")
        assert status == 503 and body["code"] == "search_timeout", body
        assert "wildcards" in body["error"]
        # The same thread answers the next request (one that needs no search: every
        # search is past a 1 ms budget).
        status, body = _get(f"{base}/api/doc/d1")
        assert status == 200 and body["id"] == "d1", body


def test_over_http_the_runaway_is_answered_refused_or_stopped(big_index_dir):
    with running_server(
        big_index_dir,
        {"ALLOW_RAW_QUERIES": "1", "API_REQUESTS_PER_MINUTE": "0"},
        "--workers",
        "1",
        "--threads",
        "1",
    ) as base:
        status, body = _get(f"{base}/api/search?raw=1&q={quote(RUNAWAY)}")
        assert (status, body.get("code")) in (
            (200, None),
            (400, "too_many_scanned"),
            (503, "search_timeout"),
        ), body
        status, body = _get(f"{base}/api/search?q=abcd")
        assert status == 200 and "total" in body
