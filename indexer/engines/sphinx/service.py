"""The cluster as the CLI and the web use an index: the same operations as
``SearchIndex`` (engines/whoosh/index.py), answered by the cluster's aggregator.

A search while the aggregator is down raises
ClusterError, whose HTTP status is 503 and whose message says what to check.
"""

from __future__ import annotations

from pathlib import Path

from indexer.analysis.taggers import tagger_version
from indexer.config import Settings
from indexer.engines.sphinx import browse
from indexer.engines.sphinx.backend import TIMEOUT_S
from indexer.engines.sphinx.layout import ClusterLayout
from indexer.engines.sphinx.search import ClusterSearcher
from indexer.engines.sphinx.sphinxql import connect, count_documents, serving_generation
from indexer.engines.sphinx.writes import generation_record
from indexer.model.facets import Facet
from indexer.model.request import SearchRequest
from indexer.model.results import IndexStats, SearchResult, StoredDocument, Suggestion
from indexer.model.snippets import Snippet
from indexer.search.facets import whole_facet


class ClusterService:
    """What ``SearchIndex`` offers, for a cluster described in ``cluster_dir``."""

    notice = ""  # no older generation ever answers for a damaged one here

    def __init__(self, cluster_dir: str | Path, settings: Settings) -> None:
        self.cluster_dir = str(cluster_dir)
        self.layout = ClusterLayout.load(Path(cluster_dir))
        self.settings = settings
        self.searcher = ClusterSearcher(self.layout, settings)

    @property
    def index_dir(self) -> str:
        return self.cluster_dir

    def close(self) -> None:
        """Connections are opened per request: nothing to close."""

    def search(self, request: SearchRequest) -> SearchResult:
        return self.searcher.search(request)

    def facet(self, request: SearchRequest, name: str, contains: str = "", limit: int = 0) -> Facet:
        return whole_facet(self.search, request, name, contains, limit)

    def export(self, request: SearchRequest) -> SearchResult:
        return self.searcher.search(request, export_rows=self.settings.export_max_rows)

    def document(self, doc_id: str) -> StoredDocument | None:
        stored = browse.stored(self.searcher, doc_id)
        return StoredDocument.from_stored(stored) if stored is not None else None

    def highlighted_document(self, doc_id: str, q: str) -> tuple[Snippet, Snippet] | None:
        return browse.marked_document(self.searcher, doc_id, q)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        return browse.suggest(self.searcher, text, limit)

    def similar(self, doc_id: str, limit: int = 5) -> list[StoredDocument]:
        return browse.similar(self.searcher, doc_id, limit)

    def updated_at(self) -> str:
        return browse.updated_at(self.searcher)

    def stats(self) -> IndexStats:
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            generation = serving_generation(connection)
            documents = count_documents(connection, generation)
        facets = self.search(SearchRequest(size=1)).facets
        meta = generation_record(Path(self.cluster_dir), generation)
        tagger = meta.get("tagger") or self.settings.tagger
        return IndexStats(
            index_dir=self.cluster_dir,
            generation=generation,
            documents=documents,
            size_bytes=None,  # on the shard nodes, which may be other machines
            built_at=meta.get("built_at", ""),
            updated_at=meta.get("updated_at", "") or browse.updated_at(self.searcher),
            corpus=meta.get("corpus", ""),
            tagger=tagger,
            analyzer=tagger_version(tagger),
            schema_version=meta.get("schema_version"),
            facets=facets,
            shards=len(self.layout.shards),
        )
