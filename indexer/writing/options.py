"""What the CLI tells a write: the sources read and how the index may change."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Sequence

from indexer.analysis.taggers import JVM_TAGGERS
from indexer.config import Settings

Progress = Callable[[int], None]  # told how many more documents were written
# Starts a new phase of the progress ("embedding", then "writing"): its name and how
# many documents it counts; Progress then counts within it.
Phase = Callable[[str, int], None]


@dataclass(frozen=True)
class SourceRecord:
    """A corpus PATH an index was built from, and the mapping it was read with."""

    path: str  # absolute
    mapping: str | None = None  # a shipped mapping's name or a TOML file's absolute path

    def to_dict(self) -> dict[str, str | None]:
        return {"path": self.path, "mapping": self.mapping}


@dataclass
class WriteOptions:
    """How a build or reindex may change the index."""

    sources: Sequence[SourceRecord] = ()
    troubled_files: frozenset[tuple[str, str]] = frozenset()  # rejected this time: keep theirs
    rejected_ids: frozenset[tuple[str, str]] = frozenset()  # (source, id): keep those
    allow_deletes: bool = False
    dry_run: bool = False
    corpus_description: str = ""
    rejected: int = 0
    phase: Phase | None = None


def build_processes(settings: Settings) -> int:
    """The processes a build may use: build_procs, at most one a core."""
    return max(1, min(settings.build_procs, os.cpu_count() or 1))


def writer_processes(settings: Settings) -> int:
    """How many processes analyse documents during a write (the taggers are most of a
    build's time). A JVM in the parent makes forked processes hang: JVM taggers write
    alone."""
    if settings.tagger in JVM_TAGGERS:
        return 1
    return build_processes(settings)
