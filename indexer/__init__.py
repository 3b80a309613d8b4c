"""policysearch's core: read a corpus, analyse Korean and English, build and search a Whoosh index.

Front ends use what is exported here, plus the registries that decide what they
show: ``indexer.fields`` (document fields), ``indexer.messages`` (coded messages),
``indexer.request`` (request limits and the parameter parser), ``indexer.errors`` and
``indexer.results`` (document URLs). See docs/ARCHITECTURE.md.
"""

from .config import Settings, load_settings
from .documents import Document, Rejection
from .errors import (
    ConfigError,
    CorpusError,
    IndexLockedError,
    IndexMissingError,
    PolicySearchError,
    QueryError,
    TaggerError,
)
from .facets import Facet, FacetValue
from .mapping import load_mapping, mapping_for_corpus
from .messages import Notice
from .readers import CorpusReport, ReadLimits, read_corpus
from .request import SearchRequest
from .results import Hit, IndexStats, SearchResult, StoredDocument, Suggestion
from .search import SearchIndex
from .writer import BuildResult, UpdateResult, build_index, update_index

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
