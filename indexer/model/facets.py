"""Disjunctive facet counts over the matching documents (a boolean mask).

A facet's own selection does not narrow its own counts (ticking 보건 still shows
how many match 환경보호), while the other facets' selections do. Counting runs on
in-memory tables built once per index reader from the facet fields' postings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

import numpy as np

from indexer.engines.whoosh.private import read_term_postings
from indexer.fields import FACET_FIELDS, field_named

# Facets are labelled in English here; a front end relabels them in its user's language
# from the field registry.
LABEL_LANGUAGE = "en"


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
    value_count: int = 0  # values with matching documents, shown or not

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "values": [dict(vars(value)) for value in self.values],
            "truncated": self.truncated,
            "value_count": self.value_count,
        }

    def containing(self, text: str, limit: int) -> Facet:
        """The values whose value or label, in any language, holds ``text`` (letter case
        ignored), at most ``limit`` of them; selected ones are always kept."""
        wanted = text.strip().casefold()
        spec = field_named(self.name)
        found = [
            value
            for value in self.values
            if value.selected
            or wanted in value.value.casefold()
            or any(
                wanted in label.get(value.value, "").casefold()
                for label in spec.value_labels.values()
            )
        ]
        shown = found[:limit] + [value for value in found[limit:] if value.selected]
        return Facet(self.name, self.label, shown, len(found) > limit, len(found))


class FacetTables:
    """For each facet field, every (document, value) pair as two arrays, so counting the
    values of a set of documents is one gather and one bincount (live documents only)."""

    def __init__(self, reader, live: np.ndarray, fields: Iterable[str] = FACET_FIELDS) -> None:
        self.doc_count = reader.doc_count_all()
        leaves = list(reader.leaf_readers())
        self.values: dict[str, list[str]] = {}
        self.docs_by_value: dict[str, dict[str, np.ndarray]] = {}
        self._pair_docs: dict[str, np.ndarray] = {}
        self._pair_values: dict[str, np.ndarray] = {}
        for name in fields:
            values: list[str] = []
            by_value: dict[str, np.ndarray] = {}
            for value in reader.field_terms(name):
                btext = reader.schema[name].to_bytes(value)
                docnums = np.concatenate(
                    [read_term_postings(leaf, name, btext)[0] + offset for leaf, offset in leaves]
                )
                docnums = docnums[live[docnums]]
                if not len(docnums):
                    continue  # every document with this value was deleted
                by_value[value] = docnums
                values.append(value)
            self.values[name] = values
            self.docs_by_value[name] = by_value
            arrays = [by_value[value] for value in values]
            self._pair_docs[name] = (
                np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)
            )
            self._pair_values[name] = np.repeat(
                np.arange(len(values)), [len(a) for a in arrays]
            ).astype(np.int64)

    def docs_with_any(self, name: str, values: Iterable[str]) -> np.ndarray:
        """A mask of the documents having any of ``values`` in facet ``name``."""
        mask = np.zeros(self.doc_count, dtype=bool)
        by_value = self.docs_by_value.get(name, {})
        for value in values:
            if value in by_value:
                mask[by_value[value]] = True
        return mask

    def counts(self, name: str, docs: np.ndarray) -> dict[str, int]:
        """Value -> number of documents in the mask ``docs`` having it (zeros left out)."""
        values = self.values.get(name, [])
        if not values:
            return {}
        pair_docs = self._pair_docs[name]
        totals = np.bincount(self._pair_values[name][docs[pair_docs]], minlength=len(values))
        return {values[i]: int(totals[i]) for i in np.flatnonzero(totals)}


def narrow(
    matching: np.ndarray, filters: Mapping[str, np.ndarray], skip: str | None = None
) -> np.ndarray:
    """The mask ``matching`` and every facet filter's mask except ``skip``'s."""
    result = matching
    for name, allowed in filters.items():
        if name != skip:
            result = result & allowed
    return result


def count_facets(
    tables: FacetTables,
    matching: np.ndarray,
    filters: Mapping[str, np.ndarray],
    selected: Mapping[str, list[str]],
    facet_size: int,
) -> list[Facet]:
    return [
        facet_of(
            name,
            tables.counts(name, narrow(matching, filters, skip=name)),
            selected.get(name, ()),
            facet_size,
        )
        for name in FACET_FIELDS
    ]


def facet_of(
    name: str, counts: Mapping[str, int], selected: Iterable[str], facet_size: int
) -> Facet:
    """One facet from its value counts: years newest first, other values by count; the
    first ``facet_size``, and the selected values wherever they stand."""
    spec = field_named(name)
    chosen = set(selected)
    counts = {**{value: 0 for value in chosen}, **counts}
    if spec.kind == "year":  # newest first
        ordered = sorted(counts.items(), key=lambda item: item[0], reverse=True)
    else:
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    shown = ordered[:facet_size]
    # Selected values always show, even past the limit.
    shown += [item for item in ordered[facet_size:] if item[0] in chosen]
    return Facet(
        name=name,
        label=spec.label(LABEL_LANGUAGE),
        values=[
            FacetValue(value, spec.value_label(value, LABEL_LANGUAGE), count, value in chosen)
            for value, count in shown
        ],
        truncated=len(ordered) > facet_size,
        value_count=len(ordered),
    )
