"""Facet counts equal a brute-force count over the stored documents."""

from __future__ import annotations

from collections import Counter

import pytest

from indexer import SearchRequest
from indexer.fields import FACET_FIELDS


def all_matching_ids(index, query, date_from="", date_to=""):
    """Ids matching the query alone (no facet filters), page by page."""
    ids, page = [], 1
    while True:
        result = index.search(
            SearchRequest(
                q=query,
                date_from=date_from,
                date_to=date_to,
                page=page,
                size=100,
                highlight=False,
                facets=False,
            )
        )
        ids += [hit.id for hit in result.hits if not hit.related]  # the matches
        if page >= result.pages:
            return set(ids)
        page += 1


def facet_values(document, name):
    if name == "category":
        return document.category
    value = getattr(document, name)
    return [str(value)] if value else []


def brute_force_counts(documents, matching, filters):
    """Disjunctive counts: each facet is narrowed by every other facet's selection."""
    counts = {}
    for name in FACET_FIELDS:
        counter = Counter()
        for doc_id in matching:
            document = documents[doc_id]
            if all(
                set(facet_values(document, other)) & set(values)
                for other, values in filters.items()
                if other != name
            ):
                counter.update(facet_values(document, name))
        counts[name] = dict(counter)
    return counts


@pytest.fixture(scope="module")
def stored(policy_index):
    return {d.id: d for d in policy_index.documents()}


@pytest.mark.parametrize(
    "query, filters",
    [
        ("", {}),
        ("지원", {}),
        ("지원", {"category": ["사회복지"]}),
        ("지원", {"category": ["사회복지", "보건"], "year": ["2018"]}),
        ("장애인", {"department": ["보건복지부"], "lang": ["ko"]}),
        ("Seoul", {"category": ["Smart City", "Urban Planning"]}),
        ("주거 지원", {"year": ["2023", "2018"], "category": ["생계 지원"]}),
    ],
)
def test_facet_counts_match_a_brute_force_count(policy_index, stored, query, filters):
    result = policy_index.search(SearchRequest(q=query, filters=filters, size=5, facet_size=1000))
    matching = all_matching_ids(policy_index, query)
    expected = brute_force_counts(stored, matching, filters)
    got = {f.name: {v.value: v.count for v in f.values if v.count} for f in result.facets}
    assert got == expected
    # The total is the documents that pass every filter.
    assert result.total == sum(
        1
        for doc_id in matching
        if all(set(facet_values(stored[doc_id], n)) & set(v) for n, v in filters.items())
    )


def test_facet_shape_marks_selection_and_truncation(small_index):
    result = small_index.search(SearchRequest(q="", filters={"category": ["주거"]}, facet_size=2))
    category = next(f for f in result.facets if f.name == "category")
    assert category.truncated is True
    values = [(v.value, v.count, v.selected) for v in category.values]
    assert values == [("도시계획", 2, False), ("교통", 1, False), ("주거", 1, True)]
    assert result.total == 1


def test_a_selected_value_with_no_matches_still_shows_with_zero(small_index):
    result = small_index.search(SearchRequest(q="아리수", filters={"category": ["교통"]}))
    category = next(f for f in result.facets if f.name == "category")
    assert ("교통", 0, True) in [(v.value, v.count, v.selected) for v in category.values]
    assert result.total == 0 and result.hits == []
