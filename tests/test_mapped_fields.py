"""A record's sources are read as the mapping says: for each document field, every source
that holds a value, in the order the mapping lists them (map_fields then takes the first,
or all of them for joined and list fields), whatever order the record's keys come in."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from indexer.reading.mapping import (
    FileRule,
    load_mapping,
    present_sources,
    shipped_mapping_names,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
EMPTY = (None, "", [])


def _by_the_book(record: dict, parent: dict, rule: FileRule) -> dict:
    """The oracle: each field tries its sources one by one, in the mapping's order."""
    held = {}
    for name, sources in rule.fields.items():
        present = []
        for source in sources:
            holder, key = (parent, source[1:]) if source.startswith("^") else (record, source)
            if holder.get(key) not in EMPTY:
                present.append((source, holder[key]))
        if present:
            held[name] = present
    return held


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
            assert present_sources(record, parent, rule) == _by_the_book(record, parent, rule)
