"""One file -> what reading it gives: its documents (packed, each with its record number),
the records it rejects and the warnings, in the file's order. A worker of parallel.py
reads a file this way, as the reading process does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

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
from indexer.reading.mapping import DEFAULT_MAPPING, FileRule, map_record
from indexer.reading.packed import DocumentKey, packed
from indexer.reading.parallel import FileJob

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
NO_TEXT_FIELDS = "no title and no body text"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 200_000_000
    max_body_chars: int = 1_000_000


DEFAULT_LIMITS = ReadLimits()


@dataclass(frozen=True)
class _ReadDocument:
    record_no: int | None
    document: Document


@dataclass(frozen=True)
class PackedRead:
    record_no: int | None
    blob: bytes  # reading/packed.py
    key: DocumentKey


def read_job(job: FileJob, limits: ReadLimits) -> list[PackedRead | Rejection | Warning_]:
    """What reading one file gives, its documents packed (in a worker, they travel as
    bytes; parallel.py)."""
    items: list[PackedRead | Rejection | Warning_] = []
    for item in _read_file(job.path, job.relative, job.rule, limits):
        if isinstance(item, _ReadDocument):
            document = item.document
            document.origin_source, document.origin_file = job.source, job.relative
            items.append(PackedRead(item.record_no, *packed(document)))
        else:
            items.append(item)
    return items


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
    if unnamed and not read and rule == DEFAULT_MAPPING.rules[0]:
        columns = ", ".join(sorted(f for f in seen_fields if not f.startswith("^"))[:20])
        yield Warning_(
            relative,
            None,
            f"no column was recognised as a title or body (columns: {columns}). "
            f"Name them in a mapping and pass --mapping FILE, for example:\n"
            f'  [[files]]\n  glob = "{Path(relative).name}"\n  [files.fields]\n'
            f'  title = "<title column>"\n  body = ["<text column>"]',
        )
    if seen_fields and rule != DEFAULT_MAPPING.rules[0]:
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
