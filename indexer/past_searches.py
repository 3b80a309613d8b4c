"""What other people searched, shown back: related searches under the results (sharing a
word with this search) and completions as the user types (starting with what is typed),
from the search log (indexer/analytics.py).

Only searches made at least related_searches_min_count times, with results, are shown:
a rare search may be one person's, and the log already holds queries with personal data
replaced by its kind (such a search is never offered as a completion). The frequent
searches are read again every REFRESH_S seconds, so a results page or a keystroke costs a
lookup in memory, not a query of the log.
"""

from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass
from operator import itemgetter
from typing import Callable

from indexer.analytics import SearchLog, holds_redaction, normalized_query

REFRESH_S = 300.0
FREQUENT_READ = 5_000  # the most made searches kept in memory


@dataclass(frozen=True)
class _Frequent:
    by_count: list[tuple[str, int]]  # most made first
    by_text: list[tuple[str, int]]  # in text order, for completions


class PastSearches:
    def __init__(
        self,
        log: SearchLog,
        min_count: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.min_count = min_count
        self.clock = clock
        self._frequent = _Frequent([], [])
        self._read_at: float | None = None
        self._lock = threading.Lock()

    def _searches(self) -> _Frequent:
        with self._lock:
            now = self.clock()
            if self._read_at is None or now - self._read_at >= REFRESH_S:
                by_count = self.log.frequent(self.min_count, FREQUENT_READ)
                self._frequent = _Frequent(by_count, sorted(by_count))
                self._read_at = now
            return self._frequent

    def related_to(self, query: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` frequent searches sharing a word with ``query`` (not the same
        search), those sharing more words first, then the most made."""
        typed = normalized_query(query)
        words = set(typed.split())
        if not words or self.min_count < 1:
            return []
        scored = []
        for other, made in self._searches().by_count:
            shared = len(words & set(other.split()))
            if shared and other != typed:
                scored.append((-shared, -made, other))
        return [other for _, _, other in sorted(scored)[:limit]]

    def completing(self, text: str, limit: int) -> list[tuple[str, int]]:
        """Up to ``limit`` frequent searches (search, times made) that start with ``text``
        and go on past it, the most made first; none holding redacted personal data."""
        typed = normalized_query(text)
        if not typed or self.min_count < 1 or limit < 1:
            return []
        frequent = self._searches()
        start = bisect.bisect_left(frequent.by_text, typed, key=itemgetter(0))
        found = []
        for other, made in frequent.by_text[start:]:
            if not other.startswith(typed):
                break
            if other != typed and not holds_redaction(other):
                found.append((other, made))
        found.sort(key=lambda item: (-item[1], item[0]))
        return found[:limit]
