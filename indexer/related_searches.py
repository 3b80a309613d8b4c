"""Related searches under the results: what other people searched that shares a word
with this search, from the search log (indexer/analytics.py).

Only searches made at least related_searches_min_count times, with results, are shown:
a rare search may be one person's, and the log already holds queries with personal data
replaced by its kind. The frequent searches are read again every REFRESH_S seconds, so a
results page costs a lookup in memory, not a query of the log.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from indexer.analytics import SearchLog, normalized_query

REFRESH_S = 300.0
FREQUENT_READ = 5_000  # the most made searches kept in memory


class RelatedSearches:
    def __init__(
        self,
        log: SearchLog,
        min_count: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.min_count = min_count
        self.clock = clock
        self._frequent: list[tuple[str, int]] = []
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def _searches(self) -> list[tuple[str, int]]:
        with self._lock:
            now = self.clock()
            if self._read_at is None or now - self._read_at >= REFRESH_S:
                self._frequent = self.log.frequent(self.min_count, FREQUENT_READ)
                self._read_at = now
            return self._frequent

    def of(self, query: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` frequent searches sharing a word with ``query`` (not the same
        search), those sharing more words first, then the most made."""
        typed = normalized_query(query)
        words = set(typed.split())
        if not words or self.min_count < 1:
            return []
        scored = []
        for other, made in self._searches():
            shared = len(words & set(other.split()))
            if shared and other != typed:
                scored.append((-shared, -made, other))
        return [other for _, _, other in sorted(scored)[:limit]]
