"""Search results as files: CSV that Excel opens with Korean intact, and JSON Lines.

One row per hit, the same columns in both formats and everywhere (the CLI's
``search --format``, the page's download links, ``/api/export``): the hit fields of the
registry, the score, the document's address, the hit's tier and why it was found. The
matches only, unless the related results are asked for too (``tier=all``). Rows are
produced one at a time, so a web answer can stream them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable, Iterator

from indexer.fields import HIT_FIELDS
from indexer.messages import DEFAULT_LANGUAGE
from indexer.model.results import Hit, document_path

FORMATS = ("csv", "jsonl")
EXPORTED_TIERS = ("matches", "all")  # the matches only (the default), or related too
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}
COLUMNS = (
    "rank",
    "id",
    "title",
    *(n for n in HIT_FIELDS if n != "id"),
    "score",
    "doc_url",
    "tier",
    "reason",
)
# Excel reads a CSV file as the system's legacy code page (CP949 in Korea) unless it
# starts with a UTF-8 byte order mark.
BYTE_ORDER_MARK = "\ufeff"
# A cell starting with one of these is a formula to Excel or LibreOffice (=HYPERLINK(...)
# in a document title would run on opening); a leading apostrophe keeps it text (OWASP).
# Excel shows that apostrophe, so a plain number (-5, +3.5, -12%) is left as it is: it
# reads as the number it is. +82-2-120 keeps it: unquoted, Excel would show -40.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*%?")
LIST_SEPARATOR = "; "


def exported(hits: Iterable[Hit], tier: str = "matches") -> list[Hit]:
    """The hits an export writes: the matches, or with ``tier`` "all" the related
    results too."""
    return [hit for hit in hits if tier == "all" or not hit.related]


def rows(
    hits: Iterable[Hit], tier: str = "matches", base_url: str = "", language: str = DEFAULT_LANGUAGE
) -> Iterator[dict[str, Any]]:
    """The exported rows of ``hits`` (as ``exported`` chooses them); ``base_url`` makes
    the document address absolute, ``language`` is the reasons'."""
    for rank, hit in enumerate(exported(hits, tier), start=1):
        yield row(rank, hit, base_url, language)


def row(
    rank: int, hit: Hit, base_url: str = "", language: str = DEFAULT_LANGUAGE
) -> dict[str, Any]:
    """One hit as the exported columns."""
    values: dict[str, Any] = {"rank": rank, "id": hit.id, "title": hit.title}
    values.update({name: hit.fields.get(name) for name in COLUMNS if name in hit.fields})
    values["score"] = None if hit.score is None else round(hit.score, 4)
    values["doc_url"] = base_url + document_path(hit.id)
    values["tier"] = hit.tier
    values["reason"] = hit.reasons_text(language)
    return {name: values.get(name) for name in COLUMNS}


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The CSV text, a line at a time: the byte order mark and header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quotes as needed, lines end in \r\n as RFC 4180 says

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield BYTE_ORDER_MARK + line(list(COLUMNS))
    for values in rows:
        yield line([csv_cell(values[name]) for name in COLUMNS])


def jsonl_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    for values in rows:
        yield json.dumps(values, ensure_ascii=False) + "\n"


def lines(format_name: str, rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    return csv_lines(rows) if format_name == "csv" else jsonl_lines(rows)


def file_name(query: str, format_name: str) -> str:
    """policysearch-청년_월세.csv: the query's words, safe in any file system."""
    words = "_".join("".join(c for c in word if c.isalnum()) for word in query.split())
    return f"policysearch-{words[:60].strip('_') or 'all'}.{format_name}"


def csv_cell(value: Any) -> str:
    """A value as a CSV cell that Excel shows as written and never runs."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(item) for item in value)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
