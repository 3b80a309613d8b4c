"""Corpus path -> Documents, plus a Rejection for every file or record that could not be used.

Formats: JSON Lines (.jsonl/.ndjson), JSON (array, single object, or nested via a
mapping's record_path), CSV/TSV, and folders of .txt/.md (optional front matter),
.html/.htm and .pdf. Text is decoded from UTF-8 (with or without BOM), UTF-16/32
with BOM, or CP949/EUC-KR; a file whose encoding cannot be told is rejected rather
than indexed as mojibake.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator

from .documents import (
    Document, Rejection, Warning_, clean_text, detect_lang, normalize_date, parse_year, validate,
)
from .errors import CorpusError
from .mapping import DEFAULT_MAPPING, JOINED_FIELDS, FileRule, Mapping

RECORD_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv"}
DOCUMENT_FORMATS = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html",
                    ".htm": "html", ".pdf": "pdf"}
# Files about a corpus rather than in it.
NOT_DOCUMENTS = re.compile(r"^(README|SOURCE|LICENSE|LICENCE|CHANGELOG|NOTICE)(\..*)?$", re.I)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


@dataclass
class CorpusReport:
    """What reading a corpus produced."""

    documents: list[Document] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that are not documents
    files_read: int = 0


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 200_000_000
    max_body_chars: int = 1_000_000


@dataclass(frozen=True)
class _ReadDocument:
    record_no: int | None
    document: Document


class DecodeError(ValueError):
    pass


def decode_bytes(data: bytes) -> tuple[str, str, int]:
    """Returns (text, encoding, replaced_bytes); raises DecodeError rather than guess wrong."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe\x00\x00", "utf-32"),
                          (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, 0
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {encoding} byte order mark but is not valid "
                                  f"{encoding}: {exc.reason}") from None
    if b"\x00" in data[:8192]:
        raise DecodeError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8", 0
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp949")  # a superset of EUC-KR
        if _mostly_hangul(text):
            return text, "cp949", 0
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    if replaced <= max(3, len(text) // 100):
        return text, "utf-8", replaced
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # pragma: no cover - defensive: the detector must not crash a build
        best = None
    if best is not None and best.encoding and not best.chaos > 0.2:
        return str(best), best.encoding, 0
    raise DecodeError("cannot tell the text encoding (not UTF-8, UTF-16 or CP949/EUC-KR)")


def _mostly_hangul(text: str) -> bool:
    non_ascii = [ch for ch in text if ord(ch) > 127]
    if not non_ascii:
        return True
    hangul = sum(1 for ch in non_ascii if "\uac00" <= ch <= "\ud7a3")
    return hangul / len(non_ascii) >= 0.7


def iter_files(root: Path) -> Iterator[Path]:
    """Files under root in a stable order, following symlinks but never around a loop."""
    if root.is_file():
        yield root
        return
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def read_corpus(path: str | os.PathLike[str], mapping: Mapping = DEFAULT_MAPPING,
                limits: ReadLimits = ReadLimits()) -> CorpusReport:
    """Reads one file or folder with one mapping."""
    return read_sources([(Path(path), mapping)], limits)


def read_sources(sources: list[tuple[Path, Mapping]],
                 limits: ReadLimits = ReadLimits()) -> CorpusReport:
    """Reads several files or folders, each with its own mapping, into one report.

    Ids must be unique across all of them: a later duplicate is rejected.
    """
    report = CorpusReport()
    first_seen: dict[str, str] = {}
    for root, mapping in sources:
        if not root.exists():
            raise CorpusError(f"Corpus path {root} does not exist. Give a file or folder of documents.")
        files_before = report.files_read
        _read_into(report, root, mapping, limits, first_seen)
        if report.files_read == files_before:
            raise CorpusError(
                f"No readable documents under {root}: supported files are "
                f"{', '.join(sorted(set(RECORD_FORMATS) | set(DOCUMENT_FORMATS)))}."
            )
    return report


def _read_into(report: CorpusReport, root: Path, mapping: Mapping, limits: ReadLimits,
               first_seen: dict[str, str]) -> None:
    base = root if root.is_dir() else root.parent
    for file_path in iter_files(root):
        relative = file_path.relative_to(base).as_posix()
        rule = mapping.rule_for(relative)
        if NOT_DOCUMENTS.match(file_path.name) or (rule is None and mapping.skip_unmatched):
            report.skipped.append(relative)
            continue
        suffix = file_path.suffix.lower()
        if suffix not in RECORD_FORMATS and suffix not in DOCUMENT_FORMATS:
            report.skipped.append(relative)
            continue
        report.files_read += 1
        for item in _read_file(file_path, relative, rule or DEFAULT_MAPPING.rules[0], limits):
            if isinstance(item, _ReadDocument):
                doc_id = item.document.id
                previous = first_seen.get(doc_id)
                if previous is not None:
                    report.rejections.append(Rejection(
                        relative, item.record_no, f"duplicate id {doc_id!r} (first seen in {previous})"))
                    continue
                first_seen[doc_id] = relative if item.record_no is None else f"{relative} record {item.record_no}"
                report.documents.append(item.document)
            elif isinstance(item, Rejection):
                report.rejections.append(item)
            else:
                report.warnings.append(item)


def _read_file(path: Path, relative: str, rule: FileRule,
               limits: ReadLimits) -> Iterator[_ReadDocument | Rejection | Warning_]:
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            yield Rejection(relative, None, f"file is {size:,} bytes, over the limit of "
                                            f"{limits.max_file_bytes:,} (max_file_bytes)")
            return
        if size == 0:
            yield Rejection(relative, None, "empty file")
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Rejection(relative, None, f"cannot read file: {exc.strerror or exc}")
        return
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        yield from _documents_from_pdf(data, relative, rule, limits)
        return
    try:
        text, encoding, replaced = decode_bytes(data)
    except DecodeError as exc:
        yield Rejection(relative, None, str(exc))
        return
    if replaced:
        yield Warning_(relative, None, f"{replaced} invalid UTF-8 byte sequences replaced")
    kind = RECORD_FORMATS.get(suffix) or DOCUMENT_FORMATS[suffix]
    if kind == "jsonl":
        records = _jsonl_records(text, relative)
    elif kind == "json":
        records = _json_records(text, relative, rule.record_path)
    elif kind in ("csv", "tsv"):
        records = _csv_records(text, relative, "\t" if kind == "tsv" else ",")
    elif kind == "html":
        records = iter([(None, _html_record(text), {}, 0)])
    else:
        records = iter([(None, _text_record(text), {}, 0)])
    seen_fields: set[str] = set()
    for item in records:
        if isinstance(item, Rejection):
            yield item
            continue
        record_no, record, parent, index = item
        if isinstance(record, dict):
            seen_fields.update(record)
            seen_fields.update("^" + key for key in parent)
        yield from _to_document(record, parent, index, record_no, relative, rule, limits)
    if seen_fields and rule is not DEFAULT_MAPPING.rules[0]:
        yield from _unused_mapping_fields(rule, seen_fields, relative)


def _unused_mapping_fields(rule: FileRule, seen_fields: set[str],
                           relative: str) -> Iterator[Warning_]:
    """A warning for each mapped field none of whose source fields occurs in the file:
    most often a typo in the mapping, which would otherwise pass silently."""
    for name, sources in rule.fields.items():
        if not any(source in seen_fields for source in sources):
            found = ", ".join(sorted(f for f in seen_fields if not f.startswith("^"))[:12])
            yield Warning_(relative, None,
                           f"the mapping reads {name} from {', '.join(sources)}, but no record "
                           f"in this file has that field (fields found: {found})")


RecordItem = tuple[int | None, Any, dict, int]


def _jsonl_records(text: str, relative: str) -> Iterator[RecordItem | Rejection]:
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield line_no, json.loads(line), {}, line_no - 1
        except json.JSONDecodeError as exc:
            yield Rejection(relative, line_no, f"invalid JSON: {exc.msg} at column {exc.colno}")


def _json_records(text: str, relative: str,
                  record_path: tuple[str, ...]) -> Iterator[RecordItem | Rejection]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Rejection(relative, None, f"invalid JSON: {exc.msg} at line {exc.lineno}")
        return
    if record_path:
        yield from _nested_records(data, record_path, {}, relative, [0])
    elif isinstance(data, list):
        for number, record in enumerate(data, start=1):
            yield number, record, {}, number - 1
    else:
        yield None, data, {}, 0


def _nested_records(node: Any, path: tuple[str, ...], parent: dict, relative: str,
                    counter: list[int]) -> Iterator[RecordItem | Rejection]:
    key, rest = path[0], path[1:]
    children = node.get(key) if isinstance(node, dict) else None
    if not isinstance(children, list):
        counter[0] += 1
        yield Rejection(relative, counter[0], f"expected a list under {key!r}")
        return
    scalars = {k: v for k, v in node.items() if not isinstance(v, (list, dict))}
    for index, child in enumerate(children):
        if rest:
            yield from _nested_records(child, rest, scalars, relative, counter)
        else:
            counter[0] += 1
            yield counter[0], child, scalars, index


def _csv_records(text: str, relative: str, delimiter: str) -> Iterator[RecordItem | Rejection]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            extra = row.pop(None, None)  # cells beyond the header
            if extra:
                yield Rejection(relative, number, f"row has {len(extra)} more cells than the header")
                continue
            yield number, {k.strip(): v for k, v in row.items() if k is not None}, {}, number - 1
    except csv.Error as exc:
        yield Rejection(relative, reader.line_num, f"invalid CSV: {exc}")


def _text_record(text: str) -> dict:
    record: dict[str, Any] = {}
    match = _FRONT_MATTER.match(text)
    if match:
        for line in match.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip():
                value = value.strip().strip("\"'")
                if value.startswith("[") and value.endswith("]"):
                    record[key.strip()] = [v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()]
                else:
                    record[key.strip()] = value
        text = text[match.end():]
    if "title" not in record:
        lines = text.strip().splitlines()
        if lines:
            record["title"] = lines[0].lstrip("#").strip()
            text = "\n".join(lines[1:])
    record["body"] = text.strip()
    return record


class _HtmlText(HTMLParser):
    """Collects the <title>, the first <h1> and visible body text of an HTML page."""

    SKIP = frozenset({"script", "style", "noscript", "template", "head"})
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                        "section", "article", "table", "ul", "ol", "blockquote", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.meta: dict[str, str] = {}
        self.parts: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = dict(attrs)
            name = (values.get("name") or values.get("property") or "").lower()
            if name and values.get("content"):
                self.meta[name] = values["content"] or ""
            return
        if tag in ("br", "img", "hr", "input", "link"):
            if tag == "br":
                self.parts.append("\n")
            return
        self._stack.append(tag)
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if "title" in self._stack:
            self.title += data
        elif not self.SKIP.intersection(self._stack):
            if "h1" in self._stack:
                self.h1 += data
            self.parts.append(data)


def _html_record(text: str) -> dict:
    parser = _HtmlText()
    parser.feed(text)
    parser.close()
    body = re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))
    body = re.sub(r"\s*\n\s*", "\n", body).strip()
    record: dict[str, Any] = {"title": (parser.title or parser.h1).strip(), "body": body}
    for key in ("author", "date", "keywords", "description"):
        if key in parser.meta:
            record[key] = parser.meta[key]
    return record


def _documents_from_pdf(data: bytes, relative: str, rule: FileRule,
                        limits: ReadLimits) -> Iterator[_ReadDocument | Rejection | Warning_]:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata or {}
    except Exception as exc:  # pypdf raises many types on broken files
        yield Rejection(relative, None, f"unreadable PDF: {exc}")
        return
    body = "\n".join(pages).strip()
    title = str(info.get("/Title") or "").strip()
    if not title and body:
        title = body.splitlines()[0].strip()
    record = {"title": title, "body": body, "author": str(info.get("/Author") or "")}
    yield from _to_document(record, {}, 0, None, relative, rule, limits)


def _lookup(record: dict, parent: dict, source: str) -> Any:
    if source.startswith("^"):
        return parent.get(source[1:])
    return record.get(source)


def _as_text(value: Any, field_name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return clean_text(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return clean_text(" ".join(str(v) for v in value))
    raise ValueError(f"field {field_name!r} holds {type(value).__name__}, expected text")


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [clean_text(v).replace(",", " ") for v in value
                if isinstance(v, (str, int, float)) and clean_text(v)]
    if isinstance(value, (str, int, float)):
        return [clean_text(value).replace(",", " ")] if clean_text(value) else []
    raise ValueError(f"holds {type(value).__name__}, expected text or a list of text")


def _map_fields(record: dict, parent: dict, rule: FileRule) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, sources in rule.fields.items():
        present = [(s, _lookup(record, parent, s)) for s in sources]
        present = [(s, v) for s, v in present if v not in (None, "", [])]
        if name in ("category", "tags"):
            collected: list[str] = []
            for source, value in present if name in JOINED_FIELDS else present[:1]:
                try:
                    collected.extend(_as_list(value))
                except ValueError as exc:
                    raise ValueError(f"field {source!r} {exc}") from None
            values[name] = list(dict.fromkeys(collected))
        elif name in JOINED_FIELDS:
            values[name] = "\n\n".join(_as_text(v, s) for s, v in present)
        else:
            values[name] = _as_text(present[0][1], present[0][0]) if present else ""
    for name, constant in rule.constants.items():
        if not values.get(name):
            values[name] = [constant] if name in ("category", "tags") else constant
    return values


def _to_document(record: Any, parent: dict, index: int, record_no: int | None, relative: str,
                 rule: FileRule, limits: ReadLimits) -> Iterator[_ReadDocument | Rejection | Warning_]:
    if not isinstance(record, dict):
        yield Rejection(relative, record_no, f"record is a JSON {type(record).__name__}, expected an object")
        return
    try:
        values = _map_fields(record, parent, rule)
        doc_id = _document_id(values.get("id", ""), record, parent, index, record_no, relative, rule)
    except ValueError as exc:
        yield Rejection(relative, record_no, str(exc))
        return
    body = values.get("body", "")
    if len(body) > limits.max_body_chars:
        yield Warning_(relative, record_no, f"body of {len(body):,} characters truncated to "
                                            f"{limits.max_body_chars:,} (max_body_chars)")
        body = body[:limits.max_body_chars]
    date = normalize_date(values.get("date"))
    document = Document(
        id=doc_id,
        title=values.get("title", ""),
        body=body,
        category=values.get("category", []),
        department=values.get("department", ""),
        date=date,
        year=parse_year(values.get("year")) or parse_year(date),
        lang=values.get("lang") or detect_lang(values.get("title", "") + "\n" + body),
        source=values.get("source", ""),
        url=values.get("url", ""),
        tags=values.get("tags", []),
        author=values.get("author", ""),
    )
    problem = validate(document)
    if problem:
        yield Rejection(relative, record_no, problem)
        return
    yield _ReadDocument(record_no, document)


def _document_id(mapped: str, record: dict, parent: dict, index: int, record_no: int | None,
                 relative: str, rule: FileRule) -> str:
    if rule.id_template:
        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "_index":
                return str(index)
            if key == "_record":
                return str(record_no)
            value = _lookup(record, parent, key)
            if value is None:
                raise ValueError(f"id_template field {key!r} is missing")
            return clean_text(value)
        return _TEMPLATE_FIELD.sub(fill, rule.id_template)
    if mapped:
        return mapped
    return relative if record_no is None else f"{relative}#{record_no}"
