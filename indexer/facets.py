"""Disjunctive facet counts over a set of matching documents.

A facet's own selection does not narrow its own counts (ticking 보건 still shows
how many match 환경보호), while the other facets' selections do. Counting runs on
in-memory tables built once per index reader from the facet fields' postings.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .schema import FACET_FIELDS

LANGUAGE_LABELS = {"ko": "Korean", "en": "English", "mixed": "Korean and English"}


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    truncated: bool = False


class FacetTables:
    """For each facet field: value -> docnums, and docnum -> values (live documents only)."""

    def __init__(self, reader, fields: Iterable[str] = FACET_FIELDS) -> None:
        self.docs_by_value: dict[str, dict[str, frozenset[int]]] = {}
        self.values_by_doc: dict[str, dict[int, tuple[str, ...]]] = {}
        for name in fields:
            by_value: dict[str, frozenset[int]] = {}
            by_doc: dict[int, list[str]] = {}
            for value in reader.field_terms(name):
                docnums = frozenset(reader.postings(name, value).all_ids())
                if not docnums:
                    continue  # every document with this value was deleted
                by_value[value] = docnums
                for docnum in docnums:
                    by_doc.setdefault(docnum, []).append(value)
            self.docs_by_value[name] = by_value
            self.values_by_doc[name] = {d: tuple(v) for d, v in by_doc.items()}

    def docs_with_any(self, name: str, values: Iterable[str]) -> set[int]:
        by_value = self.docs_by_value.get(name, {})
        result: set[int] = set()
        for value in values:
            result.update(by_value.get(value, ()))
        return result


def narrow(matching: set[int], filters: Mapping[str, set[int]], skip: str | None = None) -> set[int]:
    """``matching`` intersected with every facet filter except ``skip``'s."""
    result = matching
    for name, allowed in filters.items():
        if name != skip:
            result = result & allowed
    return result


def count_facets(tables: FacetTables, matching: set[int], filters: Mapping[str, set[int]],
                 selected: Mapping[str, list[str]], facet_size: int) -> list[Facet]:
    facets = []
    for name, label in FACET_FIELDS.items():
        docs = narrow(matching, filters, skip=name)
        values_by_doc = tables.values_by_doc.get(name, {})
        counts: Counter[str] = Counter()
        for docnum in docs:
            counts.update(values_by_doc.get(docnum, ()))
        chosen = set(selected.get(name, ()))
        for value in chosen:
            counts.setdefault(value, 0)
        if name == "year":
            ordered = sorted(counts.items(), key=lambda item: item[0], reverse=True)
        else:
            ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        shown = ordered[:facet_size]
        # Selected values always show, even past the limit.
        shown += [item for item in ordered[facet_size:] if item[0] in chosen]
        facets.append(Facet(
            name=name,
            label=label,
            values=[FacetValue(value, _label(name, value), count, value in chosen)
                    for value, count in shown],
            truncated=len(ordered) > facet_size,
        ))
    return facets


def _label(name: str, value: str) -> str:
    if name == "lang":
        return LANGUAGE_LABELS.get(value, value)
    return value
