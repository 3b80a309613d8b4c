"""Every facet value is reachable: all values of one facet for a search, and those
holding a text, in the core, the API and the page (the browser test clicks them)."""

from __future__ import annotations

import html
import re

import pytest

from indexer import QueryError, SearchRequest
from searchweb import create_app


@pytest.fixture(scope="module")
def client(policy_index):
    return create_app({"SETTINGS": policy_index.settings, "TESTING": True}).test_client()


def all_counts(index, request, name):
    """The oracle: the facet counted with the largest facet size the search allows."""
    whole = index.search(SearchRequest(q=request.q, filters=request.filters, facet_size=1000))
    return {v.value: v.count for v in next(f for f in whole.facets if f.name == name).values}


def test_the_default_page_shows_some_values_and_says_how_many_there_are(policy_index):
    result = policy_index.search(SearchRequest())
    departments = next(f for f in result.facets if f.name == "department")
    assert departments.truncated and len(departments.values) == 20
    assert departments.value_count == len(all_counts(policy_index, SearchRequest(), "department"))
    assert departments.value_count > 100


@pytest.mark.parametrize("name", ["category", "department"])
def test_every_value_of_a_facet_with_its_count(policy_index, name):
    request = SearchRequest(q="지원")
    facet = policy_index.facet(request, name)
    assert {v.value: v.count for v in facet.values} == all_counts(policy_index, request, name)
    assert facet.value_count == len(facet.values) and not facet.truncated


def test_values_holding_a_text_are_every_such_value(policy_index):
    request = SearchRequest(q="지원", filters={"year": ["2018"]})
    facet = policy_index.facet(request, "department", contains="복지")
    expected = {
        value: count
        for value, count in all_counts(policy_index, request, "department").items()
        if "복지" in value
    }
    assert expected and {v.value: v.count for v in facet.values} == expected


def test_a_selected_value_stays_whatever_the_text(policy_index):
    request = SearchRequest(filters={"lang": ["en"]})
    facet = policy_index.facet(request, "lang", contains="zzz")
    assert [(v.value, v.selected) for v in facet.values] == [("en", True)]


def test_english_labels_are_searched_too(policy_index):
    facet = policy_index.facet(SearchRequest(), "lang", contains="Korean")
    assert [v.value for v in facet.values] == ["ko"]


def test_a_field_that_is_not_a_facet_is_refused(policy_index):
    with pytest.raises(QueryError, match="no facet"):
        policy_index.facet(SearchRequest(), "body")


def test_the_api_lists_every_value_with_toggle_links(client):
    data = client.get("/api/facet/department?q=지원&contains=복지&limit=5").get_json()
    assert 0 < len(data["values"]) <= 5 and data["value_count"] >= len(data["values"])
    assert data["truncated"] == (data["value_count"] > 5)
    for value in data["values"]:
        assert "복지" in value["value"] and "department=" in value["toggle_url"]
    assert client.get("/api/facet/body").status_code == 400


def test_the_page_links_to_all_values_and_lists_them(client):
    page = client.get("/?q=지원").get_data(as_text=True)
    more = re.search(r'<a class="more" href="([^"]+more=department[^"]*)"', page)
    assert more, "a truncated facet links to all its values"
    expanded = client.get(html.unescape(more.group(1))).get_data(as_text=True)
    listed = re.search(r'data-facet="department">(.*?)</fieldset>', expanded, re.S).group(1)
    data = client.get("/api/facet/department?q=지원").get_json()
    assert listed.count('type="checkbox"') == data["value_count"] > 20
    narrowed = client.get("/?q=지원&more=department&contains=복지").get_data(as_text=True)
    listed = re.search(r'data-facet="department">(.*?)</fieldset>', narrowed, re.S).group(1)
    values = re.findall(r'name="department"\s+value="([^"]+)"', listed)
    assert values and all("복지" in value for value in values)
