"""The progress lines of a long index or reindex run (no terminal): the time left they
promise."""

from __future__ import annotations

import re

import pytest

from indexer.cli import progress as progress_module
from indexer.cli.progress import Progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    """Progress timed by a clock of the test's own, a line at every update."""
    fake = FakeClock()
    monkeypatch.setattr(progress_module.time, "monotonic", fake)
    monkeypatch.setattr(Progress, "LINE_EVERY_S", 0.0)
    return fake


def _lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if "documents (" in line]


def _seconds_left(line: str) -> int:
    found = re.search(r"about ([\d,]+)s left", line)
    assert found, line
    return int(found.group(1).replace(",", ""))


def test_work_found_done_at_once_does_not_promise_the_rest_too_soon(clock, capsys):
    shown = Progress(quiet=False)
    shown.start("Embedding", 4745)
    shown.update(3072)  # vectors found in the cache: no time spent
    for _ in range(4):  # then 64 embedded every 4 seconds: 16 a second
        clock.now += 4.0
        shown.update(64)
    last = _lines(capsys)[-1]
    left = 4745 - 3072 - 4 * 64
    assert "3,328 of 4,745 documents (16/s" in last
    assert _seconds_left(last) == round(left / 16)


def test_a_steady_phase_is_timed_from_its_first_count(clock, capsys):
    shown = Progress(quiet=False)
    shown.start("Indexing", 1000)
    for _ in range(5):  # 100 documents every 2 seconds
        clock.now += 2.0
        shown.update(100)
    lines = _lines(capsys)
    assert "100 of 1,000 documents (50/s, about 18s left)" in lines[0]
    assert "500 of 1,000 documents (50/s, about 10s left)" in lines[-1]
