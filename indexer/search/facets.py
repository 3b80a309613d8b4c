"""A whole facet (every value, filtered by a substring), by any engine's search."""

from __future__ import annotations

import dataclasses
from typing import Callable

from indexer.errors import QueryError
from indexer.fields import FACET_FIELDS
from indexer.model.facets import Facet
from indexer.model.request import MAX_FACET_SIZE, SearchRequest, bounded
from indexer.model.results import SearchResult


def whole_facet(
    search: Callable[[SearchRequest], SearchResult],
    request: SearchRequest,
    name: str,
    contains: str,
    limit: int,
) -> Facet:
    """Facet ``name`` with every value (see SearchIndex.facet), by ``search``."""
    if name not in FACET_FIELDS:
        raise QueryError(code="unknown_facet", value=name, known=", ".join(FACET_FIELDS))
    whole = dataclasses.replace(
        request, page=1, size=1, highlight=False, facets=True, facet_size=MAX_FACET_SIZE
    )
    found = next(facet for facet in search(whole).facets if facet.name == name)
    return found.containing(contains, bounded("limit", limit or MAX_FACET_SIZE, 1, MAX_FACET_SIZE))
