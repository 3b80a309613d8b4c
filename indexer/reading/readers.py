"""Corpus path -> Documents, plus a Rejection for every file or record that could not be used.

Formats: JSON Lines (.jsonl/.ndjson), JSON (array, single object, or nested via a
mapping's record_path), CSV/TSV and XLSX (one row a record), and one document per
file for .txt/.md (optional front matter), .html/.htm (main content), .pdf, .hwp
(HWP 5.0), .hwpx and .docx. Text is decoded from UTF-8 (with or without BOM),
UTF-16/32 with BOM, or CP949/EUC-KR; a file whose encoding cannot be told is
rejected rather than indexed as mojibake.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from indexer.errors import CorpusError
from indexer.reading.documents import Rejection, Warning_
from indexer.reading.encoding import decode_bytes
from indexer.reading.mapping import DEFAULT_MAPPING, Mapping
from indexer.reading.onefile import (
    DEFAULT_LIMITS,
    SUPPORTED_EXTENSIONS,
    PackedRead,
    ReadLimits,
    read_job,
)
from indexer.reading.packed import PackedDocuments
from indexer.reading.parallel import FileJob, read_files

__all__ = ["CorpusReport", "ReadLimits", "decode_bytes", "read_corpus", "read_sources"]

# Files about a corpus rather than in it, inside a folder (as text files only: notice.hwp
# is a document; a PATH that names such a file is read).
NOT_DOCUMENTS = re.compile(
    r"^(README|SOURCE|LICENSE|LICENCE|CHANGELOG|NOTICE)(\.(md|txt|rst|markdown))?$", re.I
)
# Calls per file read (files read, documents so far); the CLI prints progress from it.
ReadProgress = Callable[[int, int], None]


@dataclass
class CorpusReport:
    """What reading a corpus produced."""

    documents: PackedDocuments = field(default_factory=PackedDocuments)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that are not documents
    files_read: int = 0
    # (source, file) pairs rejected this time, or with a rejected record whose id cannot
    # be told: their indexed documents are kept.
    troubled_files: set[tuple[str, str]] = field(default_factory=set)
    # (source, id) of the records rejected this time: their indexed documents are kept.
    rejected_ids: set[tuple[str, str]] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)  # the source keys read, in order

    def reject(self, source: str, rejection: Rejection) -> None:
        """A rejection, and what it keeps: its record's document, or its whole file's."""
        self.rejections.append(rejection)
        if rejection.record_id:
            self.rejected_ids.add((source, rejection.record_id))
        else:
            self.troubled_files.add((source, rejection.path))

    def skipped_by_extension(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for relative in self.skipped:
            suffix = Path(relative).suffix.lower() or "(none)"
            counts[suffix] = counts.get(suffix, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def source_key(path: Path) -> str:
    """How an index names a source: its absolute path."""
    return str(path.resolve())


def iter_files(root: Path, outside: list[str] | None = None) -> Iterator[Path]:
    """Files under root in a stable order. Symlinks are followed while they stay inside
    root (loops are detected); one that leads outside is listed in ``outside``."""
    if root.is_file():
        yield root
        return
    top = os.path.realpath(root)
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        inside = _inside(real, top)
        if not inside and outside is not None:
            outside.append(os.path.relpath(dirpath, root))
        if real in seen or not inside:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if path.is_symlink() and path.exists() and not _inside(os.path.realpath(path), top):
                if outside is not None:
                    outside.append(path.relative_to(root).as_posix())
                continue
            yield path


def _inside(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip(os.sep) + os.sep)


def read_corpus(
    path: str | os.PathLike[str],
    mapping: Mapping = DEFAULT_MAPPING,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> CorpusReport:
    """Reads one file or folder with one mapping."""
    return read_sources([(Path(path), mapping)], limits)


def read_sources(
    sources: list[tuple[Path, Mapping]],
    limits: ReadLimits = DEFAULT_LIMITS,
    progress: ReadProgress | None = None,
    workers: int = 1,
) -> CorpusReport:
    """Reads several files or folders, each with its own mapping, into one report; a
    large corpus's files on ``workers`` processes (reading/parallel.py).

    Ids must be unique across all of them: a later duplicate is rejected.
    """
    report = CorpusReport()
    first_seen: dict[str, str] = {}
    for root, mapping in sources:
        if not root.exists():
            raise CorpusError(
                f"Corpus path {root} does not exist. Give a file or folder of documents."
            )
        files_before = report.files_read
        report.sources.append(source_key(root))
        _read_into(report, root, mapping, limits, first_seen, progress, workers)
        if report.files_read == files_before:
            raise CorpusError(
                f"No readable documents under {root}: supported files are "
                f"{', '.join(sorted(SUPPORTED_EXTENSIONS))}."
            )
    return report


def _read_into(
    report: CorpusReport,
    root: Path,
    mapping: Mapping,
    limits: ReadLimits,
    first_seen: dict[str, str],
    progress: ReadProgress | None,
    workers: int,
) -> None:
    base = root if root.is_dir() else root.parent
    key = source_key(root)
    outside: list[str] = []
    jobs = []
    for file_path in iter_files(root, outside):
        # Names with bytes that are not UTF-8 would fail every later encode.
        relative = (
            file_path.relative_to(base)
            .as_posix()
            .encode("utf-8", "surrogateescape")
            .decode("utf-8", "replace")
        )
        rule = mapping.rule_for(relative)
        suffix = file_path.suffix.lower()
        if (
            (NOT_DOCUMENTS.match(file_path.name) and file_path != root)
            or (rule is None and mapping.skip_unmatched)
            or suffix not in SUPPORTED_EXTENSIONS
        ):
            report.skipped.append(relative)
            continue
        jobs.append(
            FileJob(file_path, relative, key, rule or DEFAULT_MAPPING.rules[0], _size(file_path))
        )
    for job, items in zip(
        jobs, read_files(jobs, partial(read_job, limits=limits), workers), strict=True
    ):
        report.files_read += 1
        for item in items:
            if isinstance(item, PackedRead):
                _add_document(report, first_seen, job.relative, item)
            elif isinstance(item, Rejection):
                report.reject(key, item)
            else:
                report.warnings.append(item)
        if progress:
            progress(report.files_read, len(report.documents))
    for relative in outside:
        report.rejections.append(
            Rejection(relative, None, "symlink to a place outside the corpus folder: not followed")
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # _read_file says why it cannot be read


def _add_document(
    report: CorpusReport, first_seen: dict[str, str], relative: str, read: PackedRead
) -> None:
    """A document read, unless an earlier one has its id (ids are unique across sources)."""
    doc_id = read.key[0]
    previous = first_seen.get(doc_id)
    if previous is not None:
        report.rejections.append(
            Rejection(
                relative, read.record_no, f"duplicate id {doc_id!r} (first seen in {previous})"
            )
        )
        return
    first_seen[doc_id] = (
        relative if read.record_no is None else f"{relative} record {read.record_no}"
    )
    report.documents.append_packed(read.blob, read.key)
