"""Query analytics for operators: the server records what was searched (never who), and
`policysearch analytics` reports top, zero-result and slow queries for a period."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from indexer.analytics import SearchLog, log_path
from indexer.cli import main
from searchweb import create_app


@pytest.fixture
def served(policy_index, tmp_path):
    settings = dataclasses.replace(
        policy_index.settings, analytics_file=str(tmp_path / "log.db"), api_requests_per_minute=0
    )
    app = create_app({"SETTINGS": settings, "TESTING": True})
    return app.test_client(), settings


def rows(settings):
    with sqlite3.connect(log_path(settings)) as connection:
        return connection.execute("SELECT * FROM searches").fetchall()


def test_searches_are_recorded_without_anything_that_identifies_a_person(served):
    client, settings = served
    client.get(
        "/?q=  청년   월세 ",
        headers={"X-Forwarded-For": "203.0.113.9", "User-Agent": "Mozilla/5.0 (secret-agent)"},
    )
    client.get("/api/search?q=Youth&category=청년&from=2018")
    client.get("/api/search?q=Youth&page=2")  # a further page is not another search
    client.get("/api/suggest?q=청")  # keystrokes are not searches
    recorded = rows(settings)
    assert [(r[1], json.loads(r[2])) for r in recorded] == [
        ("청년 월세", {}),
        ("youth", {"category": ["청년"], "from": "2018"}),
    ]
    for at, _, _, _, took_ms, *_ in recorded:
        assert len(at) == len("2026-11-27T09:14") and took_ms >= 0  # minutes, not seconds
    assert recorded[0][3] == client.get("/api/search?q=청년 월세").get_json()["total"] > 0
    with open(log_path(settings), "rb") as handle:
        raw = handle.read()
    assert b"203.0.113.9" not in raw and b"secret-agent" not in raw


def test_the_setting_turns_recording_off(policy_index, tmp_path):
    settings = dataclasses.replace(
        policy_index.settings, analytics=False, analytics_file=str(tmp_path / "off.db")
    )
    create_app({"SETTINGS": settings, "TESTING": True}).test_client().get("/?q=청년")
    assert not (tmp_path / "off.db").exists()


def test_records_past_the_retention_are_deleted(tmp_path):
    log = SearchLog(tmp_path / "log.db", retention_days=30)
    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    log.record("오래된", {}, 3, 5.0, now=now - timedelta(days=31))
    log.record("새", {}, 3, 5.0, now=now - timedelta(days=29))
    assert log.purge(now) == 1
    report = log.report(now - timedelta(days=365), now, 10)
    assert [q.query for q in report.top_queries] == ["새"]


def test_the_report_counts_top_zero_result_and_slow_queries_in_the_period(tmp_path):
    log = SearchLog(tmp_path / "log.db", retention_days=400)
    now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
    for minutes, (query, total, took_ms) in enumerate(
        [
            ("청년 월세", 40, 12.0),
            ("청년 월세", 38, 9.0),
            ("청년 월세", 40, 30.0),
            ("따릉이", 7, 4.0),
            ("xyzzy", 0, 2.0),
            ("xyzzy", 0, 3.0),
            ("느린 질문", 5, 900.0),
        ]
    ):
        log.record(
            query,
            {"category": ["청년"]} if query == "xyzzy" else {},
            total,
            took_ms,
            now=now - timedelta(minutes=minutes),
        )
    log.record("작년", {}, 1, 1.0, now=now - timedelta(days=200))
    report = log.report(now - timedelta(days=7), now, 10)
    assert report.searches == 7 and report.zero_result_searches == 2
    assert [(q.query, q.searches) for q in report.top_queries][:2] == [
        ("청년 월세", 3),
        ("xyzzy", 2),
    ]
    assert report.top_queries[0].average_results == pytest.approx(39.3)
    assert [(z.query, z.searches, z.filters) for z in report.zero_result_queries] == [
        ("xyzzy", 2, {"category": ["청년"]})
    ]
    assert report.slow_queries[0].query == "느린 질문" and report.slow_queries[0].slowest_ms == 900


def test_the_cli_prints_the_report_and_json(served):
    client, settings = served
    for q in ("청년 월세", "청년 월세", "qqqzzzxxx"):
        client.get("/?q=" + q)
    env = {"POLICYSEARCH_ANALYTICS_FILE": settings.analytics_file}
    args = ["analytics", "--since", "1d", "--index-dir", settings.index_dir]
    text = CliRunner().invoke(main, args, env=env)
    assert text.exit_code == 0, text.output
    assert "3 searches" in text.output and "1 found nothing" in text.output
    data = json.loads(CliRunner().invoke(main, [*args, "--json"], env=env).output)
    assert data["top_queries"][0] == {
        "query": "청년 월세",
        "searches": 2,
        "average_results": data["top_queries"][0]["average_results"],
    }
    assert [z["query"] for z in data["zero_result_queries"]] == ["qqqzzzxxx"]


def test_an_empty_period_or_a_missing_log_is_a_report_of_nothing(tmp_path):
    missing = CliRunner().invoke(main, ["analytics", "--index-dir", str(tmp_path)])
    assert missing.exit_code == 0 and "No searches recorded yet" in missing.stderr
    assert missing.stdout.startswith("0 searches from") and "Traceback" not in missing.output
    assert not (tmp_path / "analytics.sqlite").exists()  # a report never creates the log
    log = SearchLog(tmp_path / "analytics.sqlite", retention_days=30)
    log.record("청년", {}, 3, 10.0, now=datetime(2026, 1, 5, tzinfo=timezone.utc))
    log.close()
    args = ["analytics", "--since", "1d", "--index-dir", str(tmp_path), "--json"]
    empty = CliRunner().invoke(main, args)
    assert empty.exit_code == 0 and json.loads(empty.stdout)["searches"] == 0


def test_corrected_and_related_only_searches_are_told_apart(tmp_path):
    log = SearchLog(tmp_path / "log.db", retention_days=30)
    now = datetime.now(timezone.utc)
    log.record("청년 월세", {}, 12, 5.0, now=now)
    log.record("기초연굼", {}, 0, 5.0, now=now, related=7, searched="기초연금")
    log.record("기초연굼", {}, 0, 5.0, now=now, related=7, searched="기초연금")
    log.record("청년 우주여행", {}, 0, 5.0, now=now, related=4)
    log.record("qqqzzz", {}, 0, 5.0, now=now)
    report = log.report(now - timedelta(days=1), now, 10)
    assert (report.searches, report.zero_result_searches) == (5, 1)
    assert (report.corrected_searches, report.related_only_searches) == (2, 1)
    assert [(c.query, c.searches, c.searched) for c in report.corrected_queries] == [
        ("기초연굼", 2, "기초연금")
    ]
    assert [(r.query, r.average_results) for r in report.related_only_queries] == [
        ("청년 우주여행", 4)
    ]
    assert [z.query for z in report.zero_result_queries] == ["qqqzzz"]


def test_the_server_records_the_correction_and_the_related_results(served):
    client, settings = served
    answer = client.get("/api/search?q=dkfltn").get_json()
    assert answer["searched"] and answer["total"] == 0 and answer["related_total"] > 0
    with sqlite3.connect(log_path(settings)) as connection:
        row = connection.execute("SELECT query, total, related, searched FROM searches").fetchone()
    assert row == ("dkfltn", 0, answer["related_total"], answer["searched"])


def test_a_deleted_log_file_is_made_again_by_the_next_search(tmp_path):
    path = tmp_path / "log.db"
    log = SearchLog(path, retention_days=30)
    log.record("청년", {}, 3, 10.0)
    path.unlink()
    log.record("주거", {}, 2, 10.0)
    now = datetime.now(timezone.utc)
    assert [q.query for q in log.report(now - timedelta(days=1), now, 10).top_queries] == ["주거"]
    log.close()


def test_a_log_of_the_first_version_gets_the_new_columns(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE searches (at TEXT NOT NULL, query TEXT NOT NULL, filters TEXT NOT "
            "NULL, total INTEGER NOT NULL, took_ms REAL NOT NULL);"
            "INSERT INTO searches VALUES ('2026-12-01T10:00', '옛 검색', '{}', 0, 1.0);"
        )
    connection.close()
    log = SearchLog(path, retention_days=3650)
    log.record("새 검색", {}, 0, 1.0, related=2)
    report = log.report(datetime(2026, 1, 1, tzinfo=timezone.utc), datetime.now(timezone.utc), 10)
    assert report.searches == 2 and [z.query for z in report.zero_result_queries] == ["옛 검색"]
    assert [r.query for r in report.related_only_queries] == ["새 검색"]
    log.close()


def test_the_cli_explains_a_bad_period(tmp_path):
    (tmp_path / "analytics.sqlite").touch()
    bad = CliRunner().invoke(
        main, ["analytics", "--since", "last week", "--index-dir", str(tmp_path)]
    )
    assert bad.exit_code == 2 and "7d or 24h" in bad.output


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("청년 월세 hong.gildong@example.kr", "청년 월세 <email>"),
        ("010-1234-5678 민원", "<phone> 민원"),
        ("02)123-4567", "<phone>"),
        ("+82 10 1234 5678 연락처", "<phone> 연락처"),
        ("900101-1234567 주민등록", "<id-number> 주민등록"),
        ("카드 1234 5678 9012 3456", "카드 <card-number>"),
        # Not personal: dates, years, a program code, a notice number.
        ("2018-09-04 보도자료", "2018-09-04 보도자료"),
        ("사업코드 12345678", "사업코드 12345678"),
        ("공고 제2023-745호", "공고 제2023-745호"),
    ],
)
def test_personal_data_in_a_query_is_never_written(tmp_path, typed, kept):
    log = SearchLog(tmp_path / "log.db", retention_days=30)
    log.record(typed, {"department": [typed], "from": "2018"}, 1, 1.0)
    log.close()
    with sqlite3.connect(tmp_path / "log.db") as connection:
        query, filters = connection.execute("SELECT query, filters FROM searches").fetchone()
    assert query == kept and json.loads(filters) == {"department": [kept], "from": "2018"}
    for digits in ("1234-5678", "1234567", "example.kr", "1234 5678"):
        if digits in typed and digits not in kept:
            assert digits.encode() not in (tmp_path / "log.db").read_bytes()
