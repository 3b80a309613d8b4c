"""policysearch's core: read a corpus, analyse Korean and English, build and search a Whoosh index.

Front ends use what is exported here, plus the registries that decide what they
show: ``indexer.fields`` (document fields), ``indexer.messages`` (coded messages),
``indexer.request`` (request limits and the parameter parser), ``indexer.errors`` and
``indexer.results`` (document URLs). See docs/ARCHITECTURE.md.
"""

from indexer.config import Settings, load_settings
from indexer.engines.whoosh.index import SearchIndex
from indexer.engines.whoosh.writer import build_index, update_index
from indexer.errors import (
    ConfigError,
    CorpusError,
    IndexLockedError,
    IndexMissingError,
    PolicySearchError,
    QueryError,
    TaggerError,
)
from indexer.messages import Notice
from indexer.model.facets import Facet, FacetValue
from indexer.model.request import SearchRequest
from indexer.model.results import Hit, IndexStats, SearchResult, StoredDocument, Suggestion
from indexer.reading.documents import Document, Rejection
from indexer.reading.mapping import load_mapping
from indexer.reading.readers import CorpusReport, ReadLimits, read_corpus
from indexer.reading.recognise import mapping_for_corpus
from indexer.writing.results import BuildResult, UpdateResult

__all__ = [
    "BuildResult",
    "ConfigError",
    "CorpusError",
    "CorpusReport",
    "Document",
    "Facet",
    "FacetValue",
    "Hit",
    "IndexLockedError",
    "IndexMissingError",
    "IndexStats",
    "Notice",
    "PolicySearchError",
    "QueryError",
    "ReadLimits",
    "Rejection",
    "SearchIndex",
    "SearchRequest",
    "SearchResult",
    "Settings",
    "StoredDocument",
    "Suggestion",
    "TaggerError",
    "UpdateResult",
    "build_index",
    "load_mapping",
    "load_settings",
    "mapping_for_corpus",
    "read_corpus",
    "update_index",
]
