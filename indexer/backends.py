"""Which backend answers: the Whoosh index on this machine (the default), or a Sphinx /
Manticore cluster (setting backend = "cluster", cluster_dir naming its cluster.json).

The CLI and the web open their index here and use only the operations of
``SearchBackend``, so both backends serve the same commands, pages and API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from indexer.config import Settings
from indexer.engines.whoosh.index import SearchIndex
from indexer.engines.whoosh.writer import BuildResult, UpdateResult, build_index, update_index
from indexer.model.facets import Facet
from indexer.model.request import SearchRequest
from indexer.model.results import IndexStats, SearchResult, StoredDocument, Suggestion, WarmUpReport
from indexer.search.marks import Snippet

BACKENDS = ("whoosh", "cluster")


class SearchBackend(Protocol):
    @property
    def index_dir(self) -> str: ...

    @property
    def notice(self) -> str: ...

    def search(self, request: SearchRequest) -> SearchResult: ...

    def facet(
        self, request: SearchRequest, name: str, contains: str = "", limit: int = 0
    ) -> Facet: ...

    def export(self, request: SearchRequest) -> SearchResult: ...

    def document(self, doc_id: str) -> StoredDocument | None: ...

    def highlighted_document(self, doc_id: str, q: str) -> tuple[Snippet, Snippet] | None: ...

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]: ...

    def similar(self, doc_id: str, limit: int = 5) -> list[StoredDocument]: ...

    def updated_at(self) -> str: ...

    def stats(self) -> IndexStats: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Writers:
    """How the CLI writes the backend the settings name: where (for messages), a full
    build and a reindex (writer.build_index and update_index, or the cluster's)."""

    target: str
    build: Callable[..., BuildResult]
    update: Callable[..., UpdateResult]


def writers(settings: Settings) -> Writers:
    if settings.backend == "cluster":
        from indexer.engines.sphinx.writes import build_cluster, update_cluster

        return Writers(settings.cluster_dir, build_cluster, update_cluster)
    return Writers(settings.index_dir, build_index, update_index)


def open_index(
    settings: Settings,
    warm_in_background: bool = False,
    on_warm_up: Callable[[WarmUpReport], None] | None = None,
) -> SearchBackend:
    """The backend the settings name, ready to search."""
    if settings.backend == "cluster":
        from indexer.engines.sphinx.service import ClusterService

        return ClusterService(settings.cluster_dir, settings)
    return SearchIndex(settings.index_dir, settings, warm_in_background, on_warm_up)
