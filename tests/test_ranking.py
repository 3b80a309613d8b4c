"""Named documents come first for everyday queries over the shipped and shared corpora."""

from __future__ import annotations

import pytest

from indexer import SearchRequest


def top_ids(index, query, n):
    return [hit.id for hit in index.search(SearchRequest(q=query, size=n)).hits]


def top_titles(index, query, n):
    return [hit.title for hit in index.search(SearchRequest(q=query, size=n)).hits]


def test_tap_water_finds_the_tap_water_committee_first(policy_index):
    # 수돗물평가위원회 운영: the budget program about evaluating Seoul's tap water.
    assert top_titles(policy_index, "수돗물", 1) == ["수돗물평가위원회 운영"]


def test_arisu_returns_arisu_programs_on_top(policy_index):
    titles = top_titles(policy_index, "아리수", 5)
    assert len(titles) == 5 and all("아리수" in title for title in titles)


def test_gwanghwamun_finds_the_square_programs(policy_index):
    titles = top_titles(policy_index, "광화문", 5)
    assert "광화문광장 관리 운영" in titles
    assert all("광화문" in title for title in titles[:2])


def test_metaverse_seoul_phrase_finds_the_english_article(policy_index):
    assert top_ids(policy_index, '"Metaverse Seoul"', 1) == ["seoulsolution-001"]


def test_urban_regeneration_returns_regeneration_programs(policy_index):
    titles = top_titles(policy_index, "도시재생", 5)
    assert all("도시재생" in title for title in titles)


def test_disability_activity_support_finds_the_welfare_and_budget_programs(policy_index):
    ids = top_ids(policy_index, "장애인 활동지원", 3)
    titles = top_titles(policy_index, "장애인 활동지원", 3)
    assert "welfare-07-292" in ids  # 장애인 활동지원 (national welfare program)
    assert any(title.startswith("장애인활동지원 사업") for title in titles)  # Seoul budget program


@pytest.mark.parametrize(
    "query, expected",
    [
        ("서울시는 아리수를", "아리수"),
        ("tap water", "아리수"),
    ],
)
def test_particles_and_english_queries_still_find_the_topic(policy_index, query, expected):
    result = policy_index.search(SearchRequest(q=query, size=5))
    assert result.total > 0
    assert any(expected in hit.title or "수돗물" in hit.title for hit in result.hits)
