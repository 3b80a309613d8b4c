"""A request's time budget, checked between units of work.

Python cannot stop a thread from outside, so a search that must end in time checks its
deadline itself: between query nodes, every few thousand terms of a wildcard's scan,
every few hundred documents of a Whoosh matcher, between hits. Each check is a clock
read; a unit of work between checks is a few milliseconds at most.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from indexer.errors import SearchTimeoutError


@dataclass
class Deadline:
    budget_ms: int  # 0 = no budget
    # Seconds, monotonic. Tests pass a fake clock to see that every path checks its
    # deadline without depending on how fast the machine is.
    clock: Callable[[], float] = time.monotonic
    started_s: float = field(init=False)

    def __post_init__(self) -> None:
        self.started_s = self.clock()

    def expired(self) -> bool:
        return self.budget_ms > 0 and (self.clock() - self.started_s) * 1000 > self.budget_ms

    def check(self) -> None:
        if self.expired():
            raise SearchTimeoutError(
                f"The search took longer than {self.budget_ms / 1000:g} s and was stopped. "
                "Use fewer or more specific wildcards, or fewer words."
            )


NO_DEADLINE = Deadline(0)
