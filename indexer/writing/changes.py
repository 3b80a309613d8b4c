"""What a build or reindex would change, decided before anything is written.

The plan compares the documents read with those in the index, within a scope: a full
build covers the whole index, a reindex only the sources it read. Documents of a file
that was rejected this time (mid-copy, wrong encoding) are kept, never taken for
vanished. A plan that deletes more than ``max_delete_fraction`` of the index is
refused unless the operator allows it: a truncated export or a wrong PATH must not
empty a production index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from indexer.errors import DeletesRefusedError, NothingToIndexError
from indexer.reading.documents import Document
from indexer.reading.packed import document_keys


@dataclass(frozen=True)
class IndexedEntry:
    """What the index knows of one document without loading its text."""

    content_hash: str
    origin_source: str
    origin_file: str


@dataclass
class ChangePlan:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # of files rejected this time
    unchanged: int = 0
    indexed_before: int = 0

    def written(self) -> set[str]:
        """The ids a reindex writes: the added and the updated documents."""
        return {*self.added, *self.updated}

    def to_dict(self) -> dict[str, object]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "deleted": len(self.deleted),
            "kept": len(self.kept),
            "unchanged": self.unchanged,
            "indexed_before": self.indexed_before,
        }


def plan_changes(
    existing: dict[str, IndexedEntry],
    documents: Sequence[Document],
    scope: set[str] | None,
    troubled_files: Iterable[tuple[str, str]],
    rejected_ids: Iterable[tuple[str, str]] = (),
) -> ChangePlan:
    """``scope``: the sources whose vanished documents are deleted (None: every source);
    the documents of ``troubled_files`` and ``rejected_ids`` (rejected this time) are kept."""
    plan = ChangePlan(indexed_before=len(existing))
    read_ids = set()
    for doc_id, content_hash in document_keys(documents):
        read_ids.add(doc_id)
        entry = existing.get(doc_id)
        if entry is None:
            plan.added.append(doc_id)
        elif entry.content_hash != content_hash:
            plan.updated.append(doc_id)
        else:
            plan.unchanged += 1
    troubled, rejected = set(troubled_files), set(rejected_ids)
    for doc_id, entry in existing.items():
        if doc_id in read_ids or (scope is not None and entry.origin_source not in scope):
            continue
        if (entry.origin_source, entry.origin_file) in troubled or (
            (entry.origin_source, doc_id) in rejected
        ):
            plan.kept.append(doc_id)
        else:
            plan.deleted.append(doc_id)
    return plan


def check_plan(
    plan: ChangePlan, documents_read: int, max_delete_fraction: float, allow_deletes: bool
) -> None:
    """Raises when the plan must not be carried out; nothing has been written then."""
    if documents_read == 0:
        raise NothingToIndexError(
            "Nothing usable was read (see the rejections above), so the index was not "
            "changed. Fix the files and run the command again.",
            plan,
        )
    if allow_deletes or not plan.indexed_before:
        return
    share = len(plan.deleted) / plan.indexed_before
    if share > max_delete_fraction:
        raise DeletesRefusedError(
            f"Refused: this would delete {len(plan.deleted):,} of the {plan.indexed_before:,} "
            f"documents in the index ({share:.0%}; max_delete_fraction is "
            f"{max_delete_fraction:.0%}). Nothing was changed. Check the PATH and the files "
            f"(a truncated or half-copied export looks like this); --dry-run lists what "
            f"would change, --allow-deletes deletes them.",
            plan,
        )
