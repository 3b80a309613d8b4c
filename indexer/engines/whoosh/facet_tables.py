"""Facet tables of one Whoosh generation: per facet, which documents hold which value, as
arrays, so counting a facet is a NumPy sum over the matching documents."""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from indexer.engines.whoosh.private import read_term_postings
from indexer.fields import FACET_FIELDS
from indexer.model.facets import Facet, facet_of


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
