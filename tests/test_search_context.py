"""A document opened from the results keeps the search: its box holds the query, its
words are marked, and "back to the results" returns to the same filters, sort and page."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from searchweb import create_app

SEARCH = "/?q=장애인&category=장애인+지원&sort=newest&page=2&from=2018"


@pytest.fixture(scope="module")
def client(policy_index):
    return create_app({"SETTINGS": policy_index.settings, "TESTING": True}).test_client()


def params(url):
    return sorted(parse_qsl(urlsplit(html.unescape(url)).query))


def first_hit_link(page):
    found = re.search(r'<li class="hit[^"]*"[^>]*>\s*<h2><a href="([^"]+)"', page)
    return html.unescape(found.group(1))


def test_result_links_carry_the_whole_search(client):
    link = first_hit_link(client.get(SEARCH).get_data(as_text=True))
    assert params(link) == params(SEARCH)


def test_the_document_page_keeps_the_query_and_leads_back_to_the_same_page(client):
    link = first_hit_link(client.get(SEARCH).get_data(as_text=True))
    page = client.get(link).get_data(as_text=True)
    assert re.search(r'<input id="q" name="q" type="search" value="장애인"', page)
    assert '<input type="hidden" name="category" value="장애인 지원">' in page
    assert "<mark>" in page
    back = re.search(r'<a href="([^"]+)">← ', page).group(1)
    assert urlsplit(html.unescape(back)).path == "/" and params(back) == params(SEARCH)


def test_a_similar_document_keeps_the_search_too(client):
    page = client.get(first_hit_link(client.get(SEARCH).get_data(as_text=True)))
    similar = re.findall(
        r'<section class="similar">.*?<a href="([^"]+)"', page.get_data(as_text=True), re.S
    )
    assert similar and params(similar[0]) == params(SEARCH)
