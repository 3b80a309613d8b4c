"""Per-client rate limiting of the API: a token bucket per client address.

Each client may make ``per_minute`` requests a minute on average and up to ``burst``
at once. Buckets live in the worker's memory, so with N gunicorn workers a client gets
at most N times the limit; that bounds abuse without shared state. The number of
remembered clients is capped so a flood of addresses cannot exhaust memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

MAX_CLIENTS = 50_000


@dataclass
class Decision:
    allowed: bool
    retry_after_s: int = 0


class RateLimiter:
    def __init__(
        self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate_per_s = per_minute / 60.0
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, last time
        self._lock = threading.Lock()

    def check(self, client: str) -> Decision:
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate_per_s)
            if tokens >= 1.0:
                decision = Decision(True)
                tokens -= 1.0
            else:
                decision = Decision(False, max(1, math.ceil((1.0 - tokens) / self.rate_per_s)))
            self._buckets[client] = (tokens, now)  # most recent last
            while len(self._buckets) > MAX_CLIENTS:
                self._buckets.popitem(last=False)
            return decision
