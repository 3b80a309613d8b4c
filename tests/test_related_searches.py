"""Related searches under the results: frequent searches (made at least
related_searches_min_count times, with results) that share a word with this one, from
the search log, read again every few minutes."""

from __future__ import annotations

import dataclasses
import re

from indexer.analytics import SearchLog
from indexer.related_searches import REFRESH_S, RelatedSearches
from searchweb import create_app


def logged(tmp_path, searches: dict[str, tuple[int, int]]) -> SearchLog:
    """A log where each query was made ``times`` times with ``total`` results."""
    log = SearchLog(tmp_path / "log.db", 90)
    for query, (times, total) in searches.items():
        for _ in range(times):
            log.record(query, {}, total, 10.0)
    return log


def test_frequent_searches_sharing_a_word_come_by_words_shared_then_count(tmp_path):
    log = logged(
        tmp_path,
        {
            "청년 월세": (6, 3),
            "청년 월세 지원": (5, 2),
            "청년 주거": (9, 4),
            "청년 일자리": (2, 5),  # too rare: maybe one person's
            "청년 없는말": (8, 0),  # found nothing
            "노인 일자리": (7, 5),  # no word in common
        },
    )
    related = RelatedSearches(log, min_count=5)
    assert related.of("청년 월세") == ["청년 월세 지원", "청년 주거"]
    assert related.of("  청년 ") == ["청년 주거", "청년 월세", "청년 월세 지원"]
    assert related.of("") == []


def test_personal_data_in_a_frequent_search_is_shown_only_redacted(tmp_path):
    log = logged(tmp_path, {"청년 월세 010-1234-5678": (5, 1)})
    shown = RelatedSearches(log, min_count=5).of("청년")
    assert len(shown) == 1 and "1234" not in shown[0] and shown[0].startswith("청년 월세")


def test_the_log_is_read_again_only_after_the_refresh_time(tmp_path):
    log = logged(tmp_path, {"청년 주거": (5, 1)})
    now = [1000.0]
    related = RelatedSearches(log, min_count=5, clock=lambda: now[0])
    assert related.of("청년") == ["청년 주거"]
    for _ in range(6):
        log.record("청년 창업", {}, 1, 10.0)
    assert related.of("청년") == ["청년 주거"]  # from memory
    now[0] += REFRESH_S
    assert related.of("청년") == ["청년 창업", "청년 주거"]


def test_the_results_page_shows_related_searches_as_links(policy_index, tmp_path):
    settings = dataclasses.replace(
        policy_index.settings,
        analytics_file=str(tmp_path / "log.db"),
        api_requests_per_minute=0,
        related_searches_min_count=3,
    )
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    for _ in range(3):
        client.get("/?q=장애인 활동지원")
    page = create_app({"SETTINGS": settings, "TESTING": True}).test_client().get("/?q=장애인&hl=ko")
    text = page.get_data(as_text=True)
    section = re.search(r'<nav class="related-searches".*?</nav>', text, re.S).group(0)
    assert "관련 검색어" in section and ">장애인 활동지원</a>" in section
    off = dataclasses.replace(settings, related_searches_min_count=0)
    quiet = create_app({"SETTINGS": off, "TESTING": True}).test_client().get("/?q=장애인")
    assert "related-searches" not in quiet.get_data(as_text=True)
