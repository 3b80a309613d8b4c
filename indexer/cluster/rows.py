"""Documents as rows of the cluster's indexes (the TSV a main index is built from)."""

from __future__ import annotations

from .nodeconfig import ClusterSchema

# Sphinx 2.2's indexer fails on an empty TSV source ("read error"), so a shard without
# documents holds this one, never live: every search asks for live = 1. Document ids
# from stable_id() are never below 2.
PLACEHOLDER_ID = 1


def placeholder_row(schema: ClusterSchema) -> str:
    values = {name: "" for name in schema.columns}
    values.update({name: "0" for name in schema.number_attributes})
    return tsv_row(PLACEHOLDER_ID, values, schema)


def tsv_row(document_id: int, values: dict[str, str], schema: ClusterSchema) -> str:
    """One line: the id, then each column in schema order; tabs and line breaks inside
    a value become spaces (TSV has no quoting)."""
    cells = [str(document_id), *(_clean(values[name]) for name in schema.columns)]
    return "\t".join(cells) + "\n"


def _clean(value: str) -> str:
    return value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
