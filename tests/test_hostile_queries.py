"""Hostile and random queries (hypothesis) against search() and /api/search.

Whatever the input: no exception but a QueryError with a message (a 400 over HTTP),
never a 500, and no request does more than WORK_BOUND units of work on the policy index.
A unit is what a search does between two reads of its clock (a few thousand terms of a
wildcard's scan, a few hundred documents of a matcher, one hit): the index here has a
clock that moves a millisecond per read and a budget of WORK_BOUND milliseconds, so a
runaway (wildcard expansion, a matcher over everything many times) ends in a
SearchTimeoutError, which fails the test, whatever the speed of the machine. Speed is
measured in bench/.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import QueryError, SearchRequest
from indexer.engines.whoosh.index import SearchIndex
from searchweb import create_app

from .conftest import SteppingClock

# Reads of the clock one request may make. The most measured on this index: 1,713 for
# "서울 청년 주거 " * 2000 (cut to its first words, then relaxed); 414 for a raw ?*.
WORK_BOUND = 5000
EXAMPLES = 300

# Pieces a hostile or careless user types: query syntax, control characters, other scripts.
SYNTAX = [
    '"',
    "(",
    ")",
    "*",
    "?",
    "-",
    ":",
    "\x00",
    "title:",
    "body:",
    "nosuch:",
    "id:",
    "AND",
    "OR",
    "NOT",
    "~",
    "^",
    "[",
    "]",
    "{",
    "}",
    "\\",
    "/",
    "TO",
    "'",
    "<script>",
    "&amp;",
    "%00",
    "\u200b",
    "\ufeff",
    "\U0001f600",
    "ㅎㅎ",
    "서울",
    "청년",
    "주거",
    "Seoul",
    "*시",
    "a*",
    "?*",
    "~2",
    "^9999",
    "[가 TO 힣]",
    "\n",
    "\t",
    "  ",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(SYNTAX), st.text(max_size=12)),
    max_size=30,
).map("".join)
huge_int = st.one_of(st.integers(min_value=-10, max_value=1200), st.integers())


def _work_bounded_index(policy_index) -> SearchIndex:
    settings = dataclasses.replace(
        policy_index.settings, request_timeout_ms=WORK_BOUND, api_requests_per_minute=0
    )
    index = SearchIndex(settings.index_dir, settings, clock=SteppingClock(step_ms=1))
    index.search(SearchRequest(q="서울"))
    # The spelling vocabulary is built once per index generation (serve builds it while
    # warming up); build it here so the bound counts each query's work, not that build.
    index.search(SearchRequest(q="dkfltn 일지리"))
    return index


@pytest.fixture(scope="module")
def warm_index(policy_index):
    index = _work_bounded_index(policy_index)
    yield index
    index.close()


def timed_search(index, request: SearchRequest):
    try:
        return index.search(request)
    except QueryError as error:  # SearchTimeoutError is not one: past WORK_BOUND, it fails
        assert str(error), "a QueryError must say what was wrong"
        return None


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_text, raw=st.booleans())
def test_any_query_text_gives_results_or_a_message(warm_index, text, raw):
    result = timed_search(warm_index, SearchRequest(q=text, raw=raw))
    assert result is not None  # text alone is never an error
    assert result.total + result.related_total >= len(result.hits)
    # The matches come first, and the total counts exactly those on the first page.
    tiers = [hit.tier for hit in result.hits]
    assert tiers == sorted(tiers, key=["match", "related"].index)
    if result.page == 1 and "related" in tiers:
        assert tiers.index("related") == result.total
    for hit in result.hits:
        # Snippets carry only <mark> markup, whatever the query held.
        assert "<script" not in hit.snippet_html and "<script" not in hit.title_html


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(max_size=40),
    page=huge_int,
    size=huge_int,
    facet_size=huge_int,
    sort=st.sampled_from(["relevance", "date", "", "score", "관련도"]),
    date_from=st.sampled_from(["", "2018", "2018-13", "x", "9999-99-99"]),
    filters=st.dictionaries(
        st.sampled_from(["category", "department", "year", "lang", "nosuch"]),
        st.lists(st.text(max_size=10), max_size=3),
        max_size=3,
    ),
)
def test_out_of_range_paging_and_filters_are_messages_not_crashes(
    warm_index, text, page, size, facet_size, sort, date_from, filters
):
    result = timed_search(
        warm_index,
        SearchRequest(
            q=text,
            page=page,
            size=size,
            facet_size=facet_size,
            sort=sort,
            date_from=date_from,
            filters=filters,
        ),
    )
    if result is not None:
        assert 1 <= result.page <= warm_index.settings.max_page
        assert len(result.hits) <= result.size <= warm_index.settings.max_page_size


@pytest.fixture(scope="module")
def client(policy_index):
    # Thousands of requests from one address: the rate limit is tested in test_web_security.
    index = _work_bounded_index(policy_index)
    app = create_app({"SETTINGS": index.settings, "TESTING": True})
    app.extensions["policysearch_index"] = index  # the work-bounded one, not its own
    yield app.test_client()
    index.close()


query_value = st.one_of(hostile_text, st.text(max_size=20), huge_int.map(str))
API_PARAMS = [
    "q",
    "page",
    "size",
    "sort",
    "category",
    "department",
    "year",
    "lang",
    "raw",
    "date_from",
    "date_to",
    "facet_size",
    "highlight",
    "facets",
    "nosuch",
    "hl",
]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(params=st.lists(st.tuples(st.sampled_from(API_PARAMS), query_value), max_size=8))
def test_api_search_answers_200_or_a_json_400_never_a_500(client, params):
    response = client.get("/api/search", query_string=params)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert body is not None
    if response.status_code == 400:
        assert body["error"]
    else:
        assert "hits" in body and "facets" in body


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=query_value)
def test_search_page_never_fails_and_escapes_the_query(client, q):
    response = client.get("/", query_string={"q": q})
    assert response.status_code in (200, 400)
    assert "<script>" not in response.get_data(as_text=True).replace(
        "<script src=", ""
    )  # the page's own scripts are external files


@pytest.mark.parametrize(
    "query", ["*", "*시", "?*?*?", "*a*", "body:[가 TO 힣]", "title:*", "서울 AND (*시 OR 청년)"]
)
def test_wildcards_and_ranges_in_raw_queries_are_bounded(warm_index, query):
    result = timed_search(warm_index, SearchRequest(q=query, raw=True))
    assert result is not None and result.total > 0


def test_a_broad_wildcard_says_it_was_cut(warm_index):
    result = warm_index.search(SearchRequest(q="*a*", raw=True))
    assert any(
        notice.code == "expansions_cut" and "max_expansions" in notice.text()
        for notice in result.notices
    )


def test_very_long_queries_are_cut_and_say_so(warm_index):
    result = timed_search(warm_index, SearchRequest(q="서울 청년 주거 " * 2000))
    assert result is not None
    assert any(
        notice.code == "query_cut" and "cut to" in notice.text() for notice in result.notices
    )
