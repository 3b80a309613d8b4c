"""Files of many records (JSON Lines, JSON, CSV/TSV) -> (record number, record) items.

One bad record is one Rejection, whatever it holds: a JSON value the parser refuses
for its size or depth (an integer of over 4,300 digits, `[` nested 100,000 deep)
rejects that record, not the file. No field-size or line-separator limit drops
records: CSV cells may be as long as a body may be, and JSON Lines are split on
newlines only (U+2028/U+2029/U+0085, which json.dumps(ensure_ascii=False) writes
raw inside strings, are text, not line ends).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from indexer.reading.documents import Rejection, clean_text


@dataclass(frozen=True)
class RawRecord:
    """One source record before mapping, and where it was found."""

    number: int | None  # line (JSON Lines), row (CSV) or item number; None: a whole file
    data: Any  # a dict when well formed (anything else is rejected by the mapping)
    parent: dict = field(default_factory=dict)  # scalars of the parent (nested JSON)
    index: int = 0  # position inside the parent


# Larger than any body (max_body_chars): Python's csv stops at 131,072 by default.
CSV_FIELD_LIMIT = 2**31 - 1
_JSON_ERRORS = (ValueError, RecursionError)  # JSONDecodeError is a ValueError


def _json_problem(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        # "Unterminated string starting at" already ends with its preposition.
        at = "" if exc.msg.endswith(" at") else " at"
        return f"invalid JSON: {exc.msg}{at} column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "invalid JSON: nested too deeply"
    return f"invalid JSON: {exc}"


def jsonl_records(
    text: str, relative: str, id_columns: tuple[str, ...] = ()
) -> Iterator[RawRecord | Rejection]:
    """``id_columns``: where a record's id is (in order), to tell the id of a broken line."""
    for line_no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield RawRecord(line_no, json.loads(line), index=line_no - 1)
        except _JSON_ERRORS as exc:
            yield Rejection(relative, line_no, _json_problem(exc), broken_line_id(line, id_columns))


def broken_line_id(line: str, id_columns: tuple[str, ...]) -> str:
    """The id a line of invalid JSON still shows (``"id": "a-1"`` before the break), or ""
    when none of ``id_columns`` can be read: then the whole file's documents are kept."""
    for column in id_columns:
        found = re.search(
            rf'"{re.escape(column)}"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+)\s*[,}}])', line
        )
        if found is None:
            continue
        if found.group(2) is not None:
            return found.group(2)
        try:
            return clean_text(json.loads(f'"{found.group(1)}"'))
        except ValueError:
            return ""
    return ""


def json_records(
    text: str, relative: str, record_path: tuple[str, ...]
) -> Iterator[RawRecord | Rejection]:
    try:
        data = json.loads(text)
    except _JSON_ERRORS as exc:
        yield Rejection(relative, None, _json_problem(exc))
        return
    if record_path:
        yield from _nested_records(data, record_path, {}, relative, [0])
    elif isinstance(data, list):
        for number, record in enumerate(data, start=1):
            yield RawRecord(number, record, index=number - 1)
    else:
        yield RawRecord(None, data)


def _nested_records(
    node: Any, path: tuple[str, ...], parent: dict, relative: str, counter: list[int]
) -> Iterator[RawRecord | Rejection]:
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
            yield RawRecord(counter[0], child, scalars, index)


def csv_records(text: str, relative: str, delimiter: str) -> Iterator[RawRecord | Rejection]:
    """One record per row; a row the csv module refuses is rejected and reading goes on."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield Rejection(relative, number, f"invalid CSV near line {rows.line_num}: {exc}")
            continue
        if header is None:
            header = [name.strip() for name in row]
            continue
        if not any(cell.strip() for cell in row):
            continue
        number += 1
        if len(row) > len(header):
            yield Rejection(
                relative, number, f"row has {len(row) - len(header)} more cells than the header"
            )
            continue
        record = {name: value for name, value in zip(header, row, strict=False) if name}
        yield RawRecord(number, record, index=number - 1)
