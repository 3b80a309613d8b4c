"""Disjunctive facet counts over the matching documents (a boolean mask).

A facet's own selection does not narrow its own counts (ticking 보건 still shows
how many match 환경보호), while the other facets' selections do. Counting runs on
in-memory tables built once per index reader from the facet fields' postings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

from indexer.fields import field_named

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
