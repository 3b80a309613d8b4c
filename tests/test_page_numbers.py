"""The results page links page numbers, as portal search pages do: the first, the last
and a window around the current page, never past setting max_page."""

from __future__ import annotations

import re

import pytest

from searchweb import create_app
from searchweb.paging import page_numbers


@pytest.mark.parametrize(
    "current, pages, expected",
    [
        (1, 1, []),
        (1, 3, [1, 2, 3]),
        (1, 40, [1, 2, 3, None, 40]),
        (6, 40, [1, None, 4, 5, 6, 7, 8, None, 40]),
        (4, 40, [1, 2, 3, 4, 5, 6, None, 40]),  # page 2 linked, not hidden behind a gap
        (40, 40, [1, None, 38, 39, 40]),
    ],
)
def test_page_numbers_are_the_ends_and_a_window_around_the_current_page(current, pages, expected):
    assert page_numbers(current, pages, deepest=1000) == expected


def test_page_numbers_stop_at_the_deepest_page_a_request_may_ask_for():
    assert page_numbers(9, 500, deepest=10) == [1, None, 7, 8, 9, 10]


def test_the_results_page_links_numbered_pages_that_reach_them(policy_index):
    client = create_app({"SETTINGS": policy_index.settings, "TESTING": True}).test_client()
    page = client.get("/?q=서울&page=3&hl=ko").get_data(as_text=True)
    pager = re.search(r'<nav class="pager".*?</nav>', page, re.S).group(0)
    numbers = re.findall(r'<a class="page[^"]*"[^>]*href="([^"]+)"[^>]*>(\d+)</a>', pager)
    assert [number for _, number in numbers][:5] == ["1", "2", "3", "4", "5"]
    assert re.search(r'aria-current="page" href="[^"]*page=3"', pager)
    href = dict((number, link) for link, number in numbers)["5"].replace("&amp;", "&")
    fifth = client.get(href).get_data(as_text=True)
    assert re.search(r'class="page current" aria-current="page"[^>]*>5<', fifth)
