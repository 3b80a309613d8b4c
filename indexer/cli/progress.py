"""What a long index or reindex run prints: progress lines and the problems found."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from indexer.reading.readers import CorpusReport

REJECTIONS_SHOWN = 20  # rejections (and ids of a dry run) listed before "... and N more"


class Progress:
    """Progress on stderr: a bar on a terminal; without one (cron, CI, a pipe), a line
    every few seconds with counts, rate and time left."""

    LINE_EVERY_S = 5.0

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.terminal = sys.stderr.isatty()
        self.started = time.monotonic()
        self._last_line = self.started
        self._done = 0
        self._total = 0
        self._phase_started = self.started
        self._first_update: tuple[float, int] | None = None  # (when, done) of a phase's first
        self._label = ""
        self._write_label = ""  # the label of the write's own phase (Indexing, ...)
        self._bar: Any = None

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def reading(self, files: int, documents: int) -> None:
        if self._due():
            self.say(
                f"Reading: {files:,} files, {documents:,} documents so far ({self.elapsed():.0f}s)"
            )

    def _due(self) -> bool:
        now = time.monotonic()
        if self.quiet or now - self._last_line < self.LINE_EVERY_S:
            return False
        self._last_line = now
        return True

    def start(self, label: str, total: int) -> "Progress":
        self._label, self._total, self._done = label, total, 0
        self._phase_started = time.monotonic()
        self._first_update = None
        if self.terminal and not self.quiet:
            self._bar = click.progressbar(
                length=total, label=label, file=sys.stderr, show_pos=True, show_eta=True, width=30
            )
            self._bar.__enter__()
        return self

    def phase(self, name: str, total: int) -> None:
        """Ends the bar of one phase of a write and starts the next ("embedding", then
        "writing", shown with the label the write started with): ``update`` then counts
        within it."""
        self.finish()
        self._write_label = self._write_label or self._label
        self.start("Embedding" if name == "embedding" else self._write_label, total)

    def update(self, count: int) -> None:
        self._done += count
        if self._first_update is None:
            self._first_update = (time.monotonic(), self._done)
        if self._bar is not None:
            self._bar.update(count)
        elif self._due():
            rate = self._rate()
            left = (self._total - self._done) / rate if rate else 0
            self.say(
                f"{self._label}: {self._done:,} of {self._total:,} documents "
                f"({rate:,.0f}/s, about {left:,.0f}s left)"
            )

    def _rate(self) -> float:
        """Documents a second since the phase's first update: a phase's first count
        may be work that took no time (vectors found in the cache, documents a reindex
        leaves as they are), which would promise the rest far too soon."""
        now = time.monotonic()
        since, done_then = self._first_update or (self._phase_started, 0)
        if self._done > done_then and now > since:
            return (self._done - done_then) / (now - since)
        return self._done / max(now - self._phase_started, 1e-6)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def counted(count: int, noun: str, plural: str = "") -> str:
    """``count`` and the noun agreeing with it: "1 file", "2,048 files"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def report_problems(report: CorpusReport, report_file: str | None, quiet: bool) -> None:
    for warning in report.warnings[:REJECTIONS_SHOWN]:
        click.echo(f"warning: {warning.describe()}", err=True)
    if report.rejections:
        click.echo(f"Rejected {len(report.rejections):,} (not indexed):", err=True)
        for rejection in report.rejections[:REJECTIONS_SHOWN]:
            click.echo(f"  {rejection.describe()}", err=True)
        hidden = len(report.rejections) - REJECTIONS_SHOWN
        if hidden > 0:
            hint = f"see {report_file}" if report_file else "use --report FILE to save them all"
            click.echo(f"  ... and {hidden:,} more ({hint}).", err=True)
    if report_file:
        Path(report_file).write_text(
            json.dumps(
                {
                    "rejections": [r.__dict__ for r in report.rejections],
                    "warnings": [w.__dict__ for w in report.warnings],
                    "skipped": report.skipped,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
