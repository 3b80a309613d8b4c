"""Other people's searches shown back: frequent searches (made at least
related_searches_min_count times, with results) that share a word with this one under
the results, and those that start with what is typed as completions; from the search
log, read again every few minutes, never with personal data."""

from __future__ import annotations

import dataclasses
import re

from indexer.analytics import SearchLog
from indexer.model.results import Suggestion
from indexer.past_searches import REFRESH_S, PastSearches
from indexer.search.suggest import with_past_searches
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
    related = PastSearches(log, min_count=5)
    assert related.related_to("청년 월세") == ["청년 월세 지원", "청년 주거"]
    assert related.related_to("  청년 ") == ["청년 주거", "청년 월세", "청년 월세 지원"]
    assert related.related_to("") == []


def test_personal_data_in_a_frequent_search_is_shown_only_redacted(tmp_path):
    log = logged(tmp_path, {"청년 월세 010-1234-5678": (5, 1)})
    shown = PastSearches(log, min_count=5).related_to("청년")
    assert len(shown) == 1 and "1234" not in shown[0] and shown[0].startswith("청년 월세")


def test_the_log_is_read_again_only_after_the_refresh_time(tmp_path):
    log = logged(tmp_path, {"청년 주거": (5, 1)})
    now = [1000.0]
    related = PastSearches(log, min_count=5, clock=lambda: now[0])
    assert related.related_to("청년") == ["청년 주거"]
    for _ in range(6):
        log.record("청년 창업", {}, 1, 10.0)
    assert related.related_to("청년") == ["청년 주거"]  # from memory
    now[0] += REFRESH_S
    assert related.related_to("청년") == ["청년 창업", "청년 주거"]


def app_with_log(policy_index, tmp_path, min_count: int = 3):
    """The settings of an app over the policy index that logs to tmp_path, and a client
    (rate limits off)."""
    settings = dataclasses.replace(
        policy_index.settings,
        analytics_file=str(tmp_path / "log.db"),
        api_requests_per_minute=0,
        related_searches_min_count=min_count,
    )
    return settings, create_app({"SETTINGS": settings, "TESTING": True}).test_client()


def test_the_results_page_shows_related_searches_as_links(policy_index, tmp_path):
    settings, client = app_with_log(policy_index, tmp_path)
    for _ in range(3):
        client.get("/?q=장애인 활동지원")
    page = create_app({"SETTINGS": settings, "TESTING": True}).test_client().get("/?q=장애인&hl=ko")
    text = page.get_data(as_text=True)
    section = re.search(r'<nav class="related-searches".*?</nav>', text, re.S).group(0)
    assert "관련 검색어" in section and ">장애인 활동지원</a>" in section
    off = dataclasses.replace(settings, related_searches_min_count=0)
    quiet = create_app({"SETTINGS": off, "TESTING": True}).test_client().get("/?q=장애인")
    assert "related-searches" not in quiet.get_data(as_text=True)


def test_frequent_searches_starting_with_the_text_typed_complete_it_most_made_first(tmp_path):
    log = logged(
        tmp_path,
        {
            "청년 월세 지원": (7, 2),
            "청년 월세": (5, 3),
            "청년 월세 신청": (9, 1),
            "청년 월세 대출": (4, 2),  # too rare
            "청년 월세 없는말": (8, 0),  # found nothing
            "청년 월세 010-1234-5678": (6, 1),  # personal data, even redacted
            "노인 월세": (9, 2),  # does not start with the text
        },
    )
    past = PastSearches(log, min_count=5)
    assert past.completing("청년  월", 8) == [
        ("청년 월세 신청", 9),
        ("청년 월세 지원", 7),
        ("청년 월세", 5),
    ]
    assert past.completing("청년 월세", 1) == [("청년 월세 신청", 9)]  # not itself
    assert past.completing("", 8) == [] and PastSearches(log, 0).completing("청년", 8) == []


def test_past_searches_come_after_a_correction_and_take_at_most_half_the_list():
    typed = [
        Suggestion("청년 월세", "correction", 0),
        Suggestion("청년 월세", "term", 40),
        Suggestion("청년 월드컵", "term", 9),
    ]
    past = [("청년 월세 지원", 7), ("청년 월세", 6), ("청년 월세 신청", 5), ("청년 월급", 5)]
    found = with_past_searches(typed, past, 4)
    assert [(s.text, s.kind) for s in found] == [
        ("청년 월세", "correction"),
        ("청년 월세 지원", "popular"),
        ("청년 월세 신청", "popular"),
        ("청년 월드컵", "term"),
    ]
    assert with_past_searches(typed[1:], [], 8) == typed[1:]


def test_the_suggestion_api_completes_with_searches_others_made_often(policy_index, tmp_path):
    settings, client = app_with_log(policy_index, tmp_path)
    for _ in range(3):
        client.get("/?q=장애인 활동지원 급여")
    for _ in range(2):
        client.get("/?q=장애인 활동지원 신청")  # made too few times
    fresh = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    found = fresh.get("/api/suggest?q=장애인 활").get_json()["suggestions"]
    popular = [s["text"] for s in found if s["kind"] == "popular"]
    assert popular == ["장애인 활동지원 급여"]
    off = dataclasses.replace(settings, related_searches_min_count=0)
    quiet = create_app({"SETTINGS": off, "TESTING": True}).test_client()
    kinds = {s["kind"] for s in quiet.get("/api/suggest?q=장애인 활").get_json()["suggestions"]}
    assert kinds and "popular" not in kinds
