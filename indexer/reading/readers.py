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
from pathlib import Path
from typing import Any, Callable, Iterator

from indexer.errors import CorpusError
from indexer.reading.documents import Document, Rejection, Warning_
from indexer.reading.encoding import DecodeError, decode_bytes
from indexer.reading.formats import ExtractedText, FormatError
from indexer.reading.formats.html import read_html
from indexer.reading.formats.hwp import read_hwp
from indexer.reading.formats.hwpx import read_hwpx
from indexer.reading.formats.office import read_docx, xlsx_rows
from indexer.reading.formats.pdf import read_pdf
from indexer.reading.formats.records import RawRecord, csv_records, json_records, jsonl_records
from indexer.reading.layout import file_record
from indexer.reading.mapping import DEFAULT_MAPPING, FileRule, Mapping, map_record
from indexer.reading.packed import PackedDocuments

RECORD_FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".xlsx": "xlsx",
}
TEXT_FORMATS = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}
BINARY_FORMATS: dict[str, Callable[[bytes], ExtractedText]] = {
    ".pdf": read_pdf,
    ".hwp": read_hwp,
    ".hwpx": read_hwpx,
    ".docx": read_docx,
}
SUPPORTED_EXTENSIONS = (
    frozenset(RECORD_FORMATS) | frozenset(TEXT_FORMATS) | frozenset(BINARY_FORMATS)
)
# Files about a corpus rather than in it, inside a folder (as text files only: notice.hwp
# is a document; a PATH that names such a file is read).
NOT_DOCUMENTS = re.compile(
    r"^(README|SOURCE|LICENSE|LICENCE|CHANGELOG|NOTICE)(\.(md|txt|rst|markdown))?$", re.I
)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
NO_TEXT_FIELDS = "no title and no body text"
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


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 200_000_000
    max_body_chars: int = 1_000_000


@dataclass(frozen=True)
class _ReadDocument:
    record_no: int | None
    document: Document


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
    limits: ReadLimits = ReadLimits(),
) -> CorpusReport:
    """Reads one file or folder with one mapping."""
    return read_sources([(Path(path), mapping)], limits)


def read_sources(
    sources: list[tuple[Path, Mapping]],
    limits: ReadLimits = ReadLimits(),
    progress: ReadProgress | None = None,
) -> CorpusReport:
    """Reads several files or folders, each with its own mapping, into one report.

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
        _read_into(report, root, mapping, limits, first_seen, progress)
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
) -> None:
    base = root if root.is_dir() else root.parent
    key = source_key(root)
    outside: list[str] = []
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
        report.files_read += 1
        for item in _read_file(file_path, relative, rule or DEFAULT_MAPPING.rules[0], limits):
            if isinstance(item, _ReadDocument):
                document = item.document
                document.origin_source, document.origin_file = key, relative
                previous = first_seen.get(document.id)
                if previous is not None:
                    report.rejections.append(
                        Rejection(
                            relative,
                            item.record_no,
                            f"duplicate id {document.id!r} (first seen in {previous})",
                        )
                    )
                    continue
                first_seen[document.id] = (
                    relative if item.record_no is None else f"{relative} record {item.record_no}"
                )
                report.documents.append(document)
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


def _read_file(
    path: Path, relative: str, rule: FileRule, limits: ReadLimits
) -> Iterator[_ReadDocument | Rejection | Warning_]:
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            yield Rejection(
                relative,
                None,
                f"file is {size:,} bytes, over the limit of "
                f"{limits.max_file_bytes:,} (max_file_bytes)",
            )
            return
        if size == 0:
            yield Rejection(relative, None, "empty file")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Rejection(relative, None, f"cannot read file: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    try:
        if suffix in BINARY_FORMATS:
            record = file_record(BINARY_FORMATS[suffix](data))
            yield from _to_document(RawRecord(None, record), relative, rule, limits)
            return
        if suffix == ".xlsx":
            records: Iterator[RawRecord | Rejection | Warning_] = _xlsx_records(data, relative)
        else:
            text, encoding, replaced = decode_bytes(data)
            if replaced:
                yield Warning_(relative, None, f"{replaced} invalid UTF-8 byte sequences replaced")
            records = _text_records(text, relative, suffix, rule)
        yield from _documents(records, relative, rule, limits)
    except (FormatError, DecodeError) as exc:
        yield Rejection(relative, None, str(exc))


def _text_records(
    text: str, relative: str, suffix: str, rule: FileRule
) -> Iterator[RawRecord | Rejection]:
    kind = RECORD_FORMATS.get(suffix) or TEXT_FORMATS[suffix]
    if kind == "jsonl":
        # With an id template a broken line's id cannot be told from one column.
        return jsonl_records(text, relative, () if rule.id_template else rule.fields.get("id", ()))
    if kind == "json":
        return json_records(text, relative, rule.record_path)
    if kind in ("csv", "tsv"):
        return csv_records(text, relative, "\t" if kind == "tsv" else ",")
    if kind == "html":
        page = read_html(text)
        fields = {"title": page.title, "body": page.body, "author": page.author, "date": page.date}
        return iter([RawRecord(None, fields)])
    return iter([RawRecord(None, _text_record(text))])


def _xlsx_records(data: bytes, relative: str) -> Iterator[RawRecord | Rejection | Warning_]:
    """Rows of every sheet, numbered through the workbook as CSV rows are through a file;
    a warning before a row whose formulas have no saved result."""
    for number, (record, uncomputed) in enumerate(xlsx_rows(data), start=1):
        if uncomputed:
            yield Warning_(
                relative,
                number,
                f"formula without a saved result in {', '.join(uncomputed)}: read as empty "
                "(open and save the file in Excel or LibreOffice Calc to compute it)",
            )
        yield RawRecord(number, record, index=number - 1)


def _documents(
    records: Iterator[RawRecord | Rejection | Warning_],
    relative: str,
    rule: FileRule,
    limits: ReadLimits,
) -> Iterator[_ReadDocument | Rejection | Warning_]:
    seen_fields: set[str] = set()
    read = unnamed = 0
    for item in records:
        if isinstance(item, (Rejection, Warning_)):
            yield item
            continue
        if isinstance(item.data, dict):
            seen_fields.update(str(key) for key in item.data)
            seen_fields.update("^" + str(key) for key in item.parent)
        for result in _to_document(item, relative, rule, limits):
            if isinstance(result, _ReadDocument):
                read += 1
            elif isinstance(result, Rejection) and result.reason == NO_TEXT_FIELDS:
                unnamed += 1
            yield result
    if unnamed and not read and rule is DEFAULT_MAPPING.rules[0]:
        columns = ", ".join(sorted(f for f in seen_fields if not f.startswith("^"))[:20])
        yield Warning_(
            relative,
            None,
            f"no column was recognised as a title or body (columns: {columns}). "
            f"Name them in a mapping and pass --mapping FILE, for example:\n"
            f'  [[files]]\n  glob = "{Path(relative).name}"\n  [files.fields]\n'
            f'  title = "<title column>"\n  body = ["<text column>"]',
        )
    if seen_fields and rule is not DEFAULT_MAPPING.rules[0]:
        yield from _unused_mapping_fields(rule, seen_fields, relative)


def _unused_mapping_fields(
    rule: FileRule, seen_fields: set[str], relative: str
) -> Iterator[Warning_]:
    """A warning for each mapped field none of whose source fields occurs in the file:
    most often a typo in the mapping, which would otherwise pass silently."""
    for name, sources in rule.fields.items():
        if not any(source in seen_fields for source in sources):
            found = ", ".join(sorted(f for f in seen_fields if not f.startswith("^"))[:12])
            yield Warning_(
                relative,
                None,
                f"the mapping reads {name} from {', '.join(sources)}, but no record "
                f"in this file has that field (fields found: {found})",
            )


def _text_record(text: str) -> dict:
    record: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip():
                value = value.strip().strip("\"'")
                if value.startswith("[") and value.endswith("]"):
                    record[key.strip()] = [
                        v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()
                    ]
                else:
                    record[key.strip()] = value
        text = text[match.end() :]
    if "title" not in record:
        lines = text.strip().splitlines()
        if lines:
            record["title"] = lines[0].lstrip("#").strip()
            text = "\n".join(lines[1:])
    record["body"] = text.strip()
    return record


def _to_document(
    raw: RawRecord, relative: str, rule: FileRule, limits: ReadLimits
) -> Iterator[_ReadDocument | Rejection | Warning_]:
    for result in map_record(raw, relative, rule, limits.max_body_chars):
        yield _ReadDocument(raw.number, result) if isinstance(result, Document) else result
