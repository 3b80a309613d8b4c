"""The backends, in one table: the Whoosh index on this machine (the default) and a
Sphinx cluster (setting backend = "cluster", cluster_dir naming its cluster.json).

The settings, the CLI, the web and the tests consult ``BACKENDS`` (through ``backend_of``)
instead of testing the backend's name, so a third backend is one more row here plus its
engine package. The CLI and the web use only the operations of ``SearchBackend``, so
every backend serves the same commands, pages and API. Engines are imported when a row
is used, so naming a backend never loads another's driver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from indexer.config import Settings
from indexer.model.facets import Facet
from indexer.model.request import SearchRequest
from indexer.model.results import (
    IndexStats,
    SearchResult,
    StoredDocument,
    Suggestion,
    WarmUpReport,
)
from indexer.model.snippets import Snippet
from indexer.writing.options import SourceRecord
from indexer.writing.results import BuildResult, UpdateResult


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
    """How the CLI writes a backend: a full build and a reindex."""

    build: Callable[..., BuildResult]
    update: Callable[..., UpdateResult]


@dataclass(frozen=True)
class Backend:
    """One backend: how to open it, write it and check it is ready to serve."""

    name: str
    description: str  # for the settings' documentation and messages
    directory: Callable[[Settings], str]  # where its files live (index, analytics)
    open: Callable[[Settings, bool, Callable[[WarmUpReport], None] | None], SearchBackend]
    writers: Callable[[], Writers]
    has_index: Callable[[Settings], bool]  # holds an index at all (maybe damaged)
    # Checked before serving: a notice to show (or ""); raises PolicySearchError when
    # the backend cannot serve.
    readiness: Callable[[Settings], str]
    # The sources the serving index was written from (a reindex without PATHs reads
    # them again); called once has_index says there is one.
    recorded_sources: Callable[[Settings], list[SourceRecord]]


def _open_whoosh(
    settings: Settings, warm: bool, on_warm_up: Callable[[WarmUpReport], None] | None
) -> SearchBackend:
    from indexer.engines.whoosh.index import SearchIndex

    return SearchIndex(settings.index_dir, settings, warm, on_warm_up)


def _whoosh_writers() -> Writers:
    from indexer.engines.whoosh.writer import build_index, update_index

    return Writers(build_index, update_index)


def _whoosh_has_index(settings: Settings) -> bool:
    from indexer.engines.whoosh.generations import has_index

    return has_index(settings.index_dir)


def _whoosh_sources(settings: Settings) -> list[SourceRecord]:
    from indexer.engines.whoosh.writer import recorded_sources

    return recorded_sources(settings.index_dir)


def _whoosh_readiness(settings: Settings) -> str:
    # Every byte checked once at start-up; a damaged generation is reported in one line
    # and the newest complete one is served.
    from indexer.engines.whoosh.generations import serving_generation

    return serving_generation(settings.index_dir, full=True).notice


def _open_cluster(
    settings: Settings, warm: bool, on_warm_up: Callable[[WarmUpReport], None] | None
) -> SearchBackend:
    from indexer.engines.sphinx.service import ClusterService

    return ClusterService(settings.cluster_dir, settings)


def _cluster_writers() -> Writers:
    from indexer.engines.sphinx.writes import build_cluster, update_cluster

    return Writers(build_cluster, update_cluster)


def _cluster_sources(settings: Settings) -> list[SourceRecord]:
    from pathlib import Path

    from indexer.engines.sphinx.writes import ClusterStore
    from indexer.writing.template import recorded_sources

    return recorded_sources(ClusterStore(Path(settings.cluster_dir), settings).serving())


def _cluster_readiness(settings: Settings) -> str:
    """The aggregator must answer (ClusterError says which address did not)."""
    from pathlib import Path

    from indexer.engines.sphinx.layout import ClusterLayout
    from indexer.engines.sphinx.sphinxql import connect

    with connect(ClusterLayout.load(Path(settings.cluster_dir)).aggregator, timeout_s=5.0):
        return ""


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend(
            name="whoosh",
            description="the Whoosh index in index_dir, on this machine",
            directory=lambda settings: settings.index_dir,
            open=_open_whoosh,
            writers=_whoosh_writers,
            has_index=_whoosh_has_index,
            readiness=_whoosh_readiness,
            recorded_sources=_whoosh_sources,
        ),
        Backend(
            name="cluster",
            description="a Sphinx cluster (searchd nodes) described by cluster_dir",
            directory=lambda settings: settings.cluster_dir,
            open=_open_cluster,
            writers=_cluster_writers,
            # A cluster exists once `policysearch cluster init` wrote it.
            has_index=lambda settings: True,
            readiness=_cluster_readiness,
            recorded_sources=_cluster_sources,
        ),
    )
}


def backend_of(settings: Settings) -> Backend:
    """The row of the backend the settings name (load_settings checked the name)."""
    return BACKENDS[settings.backend]


def writers(settings: Settings) -> Writers:
    return backend_of(settings).writers()


def open_index(
    settings: Settings,
    warm_in_background: bool = False,
    on_warm_up: Callable[[WarmUpReport], None] | None = None,
) -> SearchBackend:
    """The backend the settings name, ready to search."""
    return backend_of(settings).open(settings, warm_in_background, on_warm_up)
