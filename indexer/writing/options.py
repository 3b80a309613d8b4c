"""What the CLI tells a write: the sources read and how the index may change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

Progress = Callable[[int], None]  # told how many more documents were written


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
    allow_deletes: bool = False
    dry_run: bool = False
    corpus_description: str = ""
    rejected: int = 0
