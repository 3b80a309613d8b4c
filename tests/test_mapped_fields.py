"""A record's fields are read as the mapping says: each document field from the first
(or, for joined and list fields, every) source that holds a value, in the order the
mapping lists its sources, whether the record's keys come in that order or not."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from indexer.reading.mapping import (
    JOINED_FIELDS,
    MANY_FIELDS,
    FileRule,
    _as_list,
    _as_text,
    load_mapping,
    map_fields,
    shipped_mapping_names,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
EMPTY = (None, "", [])


def _by_the_book(record: dict, parent: dict, rule: FileRule) -> dict:
    """The oracle: each field tries its sources one by one, in the mapping's order."""
    values: dict = {}
    for name, sources in rule.fields.items():
        present = []
        for source in sources:
            holder, key = (parent, source[1:]) if source.startswith("^") else (record, source)
            if holder.get(key) not in EMPTY:
                present.append((source, holder[key]))
        if name in MANY_FIELDS:
            collected: list[str] = []
            for _, value in present if name in JOINED_FIELDS else present[:1]:
                collected.extend(_as_list(value))
            values[name] = list(dict.fromkeys(collected))
        elif name in JOINED_FIELDS:
            values[name] = "\n\n".join(_as_text(v, s) for s, v in present)
        else:
            values[name] = _as_text(present[0][1], present[0][0]) if present else ""
    for name, constant in rule.constants.items():
        if not values.get(name):
            values[name] = [constant] if name in MANY_FIELDS else constant
    return values


def _records() -> list[tuple[dict, dict]]:
    found = []
    for path in sorted(SHARED.glob("*/*.json*"))[:6]:
        text = path.read_text("utf-8")
        rows = (
            [json.loads(line) for line in text.splitlines()[:50] if line.strip()]
            if path.suffix == ".jsonl"
            else json.loads(text)
        )
        if isinstance(rows, dict):
            rows = next((v for v in rows.values() if isinstance(v, list)), [rows])
        found += [(row, {}) for row in rows[:50] if isinstance(row, dict)]
    rng = random.Random(5)
    names = ["title", "제목", "body", "내용", "category", "분류", "date", "등록일", "tags", "url"]
    for _ in range(200):  # keys in any order, empty values, a parent record
        keys = rng.sample(names, rng.randint(1, len(names)))
        record = {key: rng.choice(["값 " + key, "", None, [], ["가", "나"]]) for key in keys}
        found.append((record, {"title": "부모 제목", "분류": "복지"}))
    return found


@pytest.mark.parametrize("mapping_name", [None, *shipped_mapping_names()])
def test_each_field_reads_its_sources_in_the_mappings_order(mapping_name):
    mapping = load_mapping(mapping_name)
    records = _records()
    assert len(records) > 200
    for rule in mapping.rules:
        if mapping_name is None:  # a field read from the parent record first
            rule = FileRule(rule.glob, {**rule.fields, "author": ("^title", "author")})
        for record, parent in records:
            try:
                expected = _by_the_book(record, parent, rule)
            except ValueError:  # a value of the wrong shape: map_fields says so too
                with pytest.raises(ValueError):
                    map_fields(record, parent, rule)
                continue
            assert map_fields(record, parent, rule) == expected, record
