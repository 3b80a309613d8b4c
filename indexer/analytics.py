"""What people search for: a small local log of searches for operators.

Each first page of a search is recorded with its normalized query, its filters, how
many documents it found (matches, and related results apart), the corrected query
searched instead when nothing matched the words typed, and how long it took, at minute
precision. Nothing that
identifies a person is kept: no client address, no cookie, no user agent, no page
views. Records older than the retention are deleted as new ones arrive.

SQLite in WAL mode: the server's worker processes append concurrently, and
``policysearch analytics`` reads while they do. A failure to record never fails a
search (the server logs it once).
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Mapping

from indexer.config import Settings

logger = logging.getLogger("policysearch")

FILE_NAME = "analytics.sqlite"
MAX_QUERY_CHARS = 200
# Deleting old records is one statement; doing it every so many records keeps it cheap.
PURGE_EVERY = 500
BUSY_TIMEOUT_MS = 2000
SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    at TEXT NOT NULL,            -- UTC, minute precision: 2026-11-27T09:14
    query TEXT NOT NULL,         -- normalized: case folded, spaces collapsed
    filters TEXT NOT NULL,       -- JSON: {"category": ["복지"], "from": "2018"}
    total INTEGER NOT NULL,
    took_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS searches_at ON searches (at);
"""
# Columns added since the first version, added to older files when they are opened.
ADDED_COLUMNS = {
    "related": "INTEGER NOT NULL DEFAULT 0",  # related results (total counts the matches)
    "searched": "TEXT NOT NULL DEFAULT ''",  # the corrected query searched instead
}


def log_path(settings: Settings) -> Path:
    """analytics_file, or the file beside the index (the cluster's directory for a
    cluster)."""
    from indexer.backends import backend_of  # the backends import the search core, which is heavy

    return Path(
        settings.analytics_file or Path(backend_of(settings).directory(settings)) / FILE_NAME
    )


def search_log(settings: Settings) -> SearchLog | None:
    """The log the settings ask for, or None when setting analytics is off."""
    if not settings.analytics:
        return None
    return SearchLog(log_path(settings), settings.analytics_retention_days)


def period_start(text: str, now: datetime) -> datetime:
    """The start of a period given as an age (30d, 12h) or a day (2026-11-01, UTC)."""
    age = re.fullmatch(r"(\d+)([dh])", text.strip())
    if age:
        amount = int(age.group(1))
        return now - (timedelta(days=amount) if age.group(2) == "d" else timedelta(hours=amount))
    return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=timezone.utc)


# Personal data people type into a search box, replaced before anything is written:
# e-mail addresses, resident registration (and foreigner registration) numbers, card
# numbers, and Korean phone numbers (010-1234-5678, 02)123-4567, +82 10 1234 5678).
_PERSONAL = (
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"(?<!\d)\d{6}\s*-?\s*[1-8]\d{6}(?!\d)"), "<id-number>"),
    (re.compile(r"(?<!\d)\d{4}([ -]?\d{4}){3}(?!\d)"), "<card-number>"),
    (
        # A leading 0 or 82: a program code of 8 digits is not a phone number.
        re.compile(r"(?<![\d+])(\+?82[ -]?\(?0?|\(?0)\d{1,2}\)?[ .)-]?\d{3,4}[ .-]?\d{4}(?!\d)"),
        "<phone>",
    ),
)


def redacted(text: str) -> str:
    """``text`` with the personal data in it replaced by what kind it was."""
    for pattern, kind in _PERSONAL:
        text = pattern.sub(kind, text)
    return text


def holds_redaction(text: str) -> bool:
    """Whether ``text`` (from the log) had personal data replaced."""
    return any(kind in text for _, kind in _PERSONAL)


def normalized_query(text: str) -> str:
    return redacted(re.sub(r"\s+", " ", text).strip()).casefold()[:MAX_QUERY_CHARS]


def _redacted_value(value: Any) -> Any:
    if isinstance(value, str):
        return redacted(value)
    if isinstance(value, (list, tuple)):
        return [_redacted_value(item) for item in value]
    return value


def _minute(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")


class SearchLog:
    """Appends searches to ``path`` and reports on them; safe to share between threads."""

    def __init__(self, path: str | Path, retention_days: int) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self._local = threading.local()
        self._since_purge = 0
        self._warned = False

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is not None and not self.path.exists():
            # Deleted (by an operator, a cleanup job): later searches go to a new file
            # rather than to the deleted one's open inode, where they would be lost.
            self.close()
            connection = None
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(SCHEMA)
            _add_missing_columns(connection)
            self._local.connection = connection
        return connection

    def record(
        self,
        query: str,
        filters: Mapping[str, Any],
        total: int,
        took_ms: float,
        now: datetime | None = None,
        related: int = 0,
        searched: str = "",
    ) -> None:
        """Appends one search (``total`` matches, ``related`` results after them,
        ``searched``: the correction searched instead); never raises (a search must not
        fail for its log)."""
        moment = now or datetime.now(timezone.utc)
        kept = {name: _redacted_value(value) for name, value in sorted(filters.items()) if value}
        try:
            with self._connection() as connection:
                connection.execute(
                    "INSERT INTO searches (at, query, filters, total, took_ms, related, "
                    "searched) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        _minute(moment),
                        normalized_query(query),
                        json.dumps(kept, ensure_ascii=False),
                        total,
                        round(took_ms, 1),
                        related,
                        normalized_query(searched),
                    ),
                )
                self._since_purge += 1
                if self._since_purge >= PURGE_EVERY:
                    self._since_purge = 0
                    self.purge(moment, connection)
        except sqlite3.Error as exc:
            if not self._warned:
                self._warned = True
                logger.warning("Searches are not being recorded in %s: %s", self.path, exc)

    def purge(self, now: datetime, connection: sqlite3.Connection | None = None) -> int:
        """Deletes the records older than the retention; returns how many."""
        cutoff = _minute(now - timedelta(days=self.retention_days))
        target = connection or self._connection()
        with target:
            return target.execute("DELETE FROM searches WHERE at < ?", (cutoff,)).rowcount

    def report(self, since: datetime, until: datetime, limit: int) -> AnalyticsReport:
        """The period's searches; a log file not written yet is an empty period."""
        span = (_minute(since), _minute(until))
        if not self.path.exists():
            return AnalyticsReport(since=span[0], until=span[1], searches=0, zero_result_searches=0)
        return _report(self._connection(), span, limit)

    def frequent(self, min_count: int, limit: int) -> list[tuple[str, int]]:
        """Queries that found something, made at least ``min_count`` times, most made
        first (at most ``limit``); none before the log is written."""
        if not self.path.exists():
            return []
        rows = self._connection().execute(
            "SELECT query, COUNT(*) AS made FROM searches WHERE query != '' AND "
            "(total > 0 OR related > 0) GROUP BY query HAVING made >= ? "
            "ORDER BY made DESC, query LIMIT ?",
            (min_count, limit),
        )
        return [(query, int(made)) for query, made in rows]

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def _add_missing_columns(connection: sqlite3.Connection) -> None:
    present = {row[1] for row in connection.execute("PRAGMA table_info(searches)")}
    for name, declaration in ADDED_COLUMNS.items():
        if name not in present:
            connection.execute(f"ALTER TABLE searches ADD COLUMN {name} {declaration}")


_NOTHING = "total = 0 AND related = 0"  # found nothing: no match, no related result
# No match for the words typed (nor a correction): related results were shown instead.
_RELATED_ONLY = "total = 0 AND related > 0 AND searched = ''"


def _report(connection: sqlite3.Connection, span: tuple[str, str], limit: int) -> AnalyticsReport:
    where = "WHERE at >= ? AND at <= ?"

    def rows(sql: str) -> list[Any]:
        return connection.execute(sql.format(where=where), (*span, limit)).fetchall()

    searches, nothing, corrected, related_only = connection.execute(
        f"SELECT COUNT(*), COALESCE(SUM({_NOTHING}), 0), COALESCE(SUM(searched != ''), 0), "
        f"COALESCE(SUM({_RELATED_ONLY}), 0) FROM searches {where}",
        span,
    ).fetchone()
    grouped = "GROUP BY query ORDER BY n DESC, query LIMIT ?"
    top = rows(
        f"SELECT query, COUNT(*) AS n, ROUND(AVG(total), 1) FROM searches {{where}} {grouped}"
    )
    zero = rows(
        f"SELECT query, COUNT(*) AS n, MAX(filters) FROM searches {{where}} "
        f"AND {_NOTHING} {grouped}"
    )
    fixed = rows(
        "SELECT query, COUNT(*) AS n, MAX(searched) FROM searches {where} AND searched != '' "
        + grouped
    )
    related = rows(
        f"SELECT query, COUNT(*) AS n, ROUND(AVG(related), 1) FROM searches {{where}} "
        f"AND {_RELATED_ONLY} {grouped}"
    )
    slow = rows(
        "SELECT query, MAX(took_ms) AS slowest, COUNT(*) FROM searches {where} "
        "GROUP BY query ORDER BY slowest DESC, query LIMIT ?"
    )
    return AnalyticsReport(
        since=span[0],
        until=span[1],
        searches=searches,
        zero_result_searches=nothing,
        corrected_searches=corrected,
        related_only_searches=related_only,
        top_queries=[QueryCount(q, n, average) for q, n, average in top],
        zero_result_queries=[ZeroResultQuery(q, n, json.loads(f)) for q, n, f in zero],
        corrected_queries=[CorrectedQuery(q, n, to) for q, n, to in fixed],
        related_only_queries=[QueryCount(q, n, average) for q, n, average in related],
        slow_queries=[SlowQuery(q, slowest, n) for q, slowest, n in slow],
    )


@dataclass
class QueryCount:
    query: str
    searches: int
    average_results: float


@dataclass
class ZeroResultQuery:
    query: str
    searches: int
    filters: dict[str, Any]  # of one of those searches: a filter may be why


@dataclass
class CorrectedQuery:
    query: str  # as typed: it matched nothing
    searches: int
    searched: str  # the correction searched instead (of one of those searches)


@dataclass
class SlowQuery:
    query: str
    slowest_ms: float
    searches: int


@dataclass
class AnalyticsReport:
    since: str
    until: str
    searches: int
    zero_result_searches: int  # neither a match nor a related result
    corrected_searches: int = 0  # the words typed matched nothing; a correction did
    related_only_searches: int = 0  # no match; related results were shown instead
    top_queries: list[QueryCount] = field(default_factory=list)
    zero_result_queries: list[ZeroResultQuery] = field(default_factory=list)
    corrected_queries: list[CorrectedQuery] = field(default_factory=list)
    # average_results: the related results these searches showed
    related_only_queries: list[QueryCount] = field(default_factory=list)
    slow_queries: list[SlowQuery] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
