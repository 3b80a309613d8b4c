"""What a build or a reindex reports, for every backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from indexer.writing.changes import ChangePlan


@dataclass
class BuildResult:
    generation: Path
    documents: int
    notice: str = ""  # e.g. a recovered stale lock
    plan: ChangePlan | None = None


@dataclass
class UpdateResult:
    generation: Path
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    documents: int = 0
    notice: str = ""
    changed_ids: list[str] = field(default_factory=list)
    kept: int = 0  # vanished from a file rejected this time, so kept
    plan: ChangePlan | None = None
