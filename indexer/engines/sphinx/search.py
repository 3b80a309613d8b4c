"""Searching the cluster through its aggregator with the engine-neutral search
(search/pipeline.py): each request is a ``ClusterRequest`` (request.py) on one
connection; what outlives requests (the analyzers, the facet values' names, the
vocabulary for corrections) is kept here, read again after every write.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.config import Settings
from indexer.engines.sphinx.backend import TIMEOUT_S
from indexer.engines.sphinx.ids import stable_id
from indexer.engines.sphinx.layout import ClusterLayout, vector_dir
from indexer.engines.sphinx.nodeconfig import VALUES_INDEX
from indexer.engines.sphinx.request import ClusterRequest
from indexer.engines.sphinx.sphinxql import connect
from indexer.engines.sphinx.statements import Asked
from indexer.engines.sphinx.termstats import read_field_terms
from indexer.engines.whoosh.schema import build_schema
from indexer.fields import TEXT_FIELDS
from indexer.model.request import SearchRequest, validate
from indexer.model.results import SearchResult
from indexer.query.builder import Weights
from indexer.query.spelling import Vocabulary
from indexer.query.textquery import query_builder
from indexer.search import pipeline
from indexer.search.evaluation import bm25f_parameters
from indexer.search.semantic import RowsById
from indexer.vectors.store import IDS_FILE, load_vectors


class ClusterSearcher:
    """Searches one cluster for many requests (a connection per request)."""

    def __init__(self, layout: ClusterLayout, settings: Settings) -> None:
        layout.require_current(Path(settings.cluster_dir or "."))
        self.layout = layout
        self.settings = settings
        self.schema: Any = build_schema(settings)
        self.analyzer = self.schema["body"].analyzer
        weights = Weights(settings.title_boost, settings.body_boost, settings.bigram_boost)
        self.builder = query_builder(self.schema, weights, settings)
        self.parameters = bm25f_parameters(settings)
        self._names: dict[str, dict[int, str]] = {}  # cluster state -> value id -> value
        self._vocabulary: dict[str, Vocabulary] = {}  # cluster state -> terms
        self._vectors: dict[tuple[str, int], ClusterVectors] = {}  # by generation, file time
        # No filter, no date: whether any document holds a word (relaxing, corrections).
        self.everything = validate(SearchRequest(), settings)

    def search(self, request: SearchRequest, export_rows: int = 0) -> SearchResult:
        """As SearchIndex.search; ``export_rows``: one page of that many, no facets."""
        started = time.perf_counter()
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            engine = ClusterRequest(self, Asked.of(connection, started))
            return pipeline.run(request, engine, self.settings, started, export_rows)

    def request(self, connection: Any) -> ClusterRequest:
        """A request on ``connection`` (for suggestions and corrections)."""
        return ClusterRequest(self, Asked.of(connection, time.perf_counter()))

    def vocabulary_of(self, asked: Asked) -> Vocabulary:
        key = asked.state_key
        if key not in self._vocabulary:
            terms = read_field_terms(asked.connection, asked.generation, TEXT_FIELDS)
            self._vocabulary = {key: Vocabulary.of_fields(terms)}
        return self._vocabulary[key]

    def vectors_of(self, asked: Asked) -> ClusterVectors:
        """The serving generation's document vectors (read again when rewritten)."""
        directory = vector_dir(Path(self.settings.cluster_dir), asked.generation)
        try:
            written_ns = (directory / IDS_FILE).stat().st_mtime_ns
        except OSError:
            written_ns = 0
        key = (asked.generation, written_ns)
        if key not in self._vectors:
            self._vectors = {key: ClusterVectors.read(directory)}
        return self._vectors[key]

    def value_names(self, asked: Asked) -> dict[int, str]:
        """Facet and filter values by id, read again after every write (a reindex may
        name new ones)."""
        key = asked.state_key
        if key not in self._names:
            with asked.connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, generation, value FROM {VALUES_INDEX} "
                    "LIMIT 1000000 OPTION max_matches=1000000"
                )
                self._names = {
                    key: {int(i): v for i, g, v in cursor.fetchall() if g == asked.generation}
                }
        return self._names[key]


@dataclass(frozen=True)
class ClusterVectors:
    """A generation's vectors in float32 and each row's document id in the cluster."""

    matrix: np.ndarray
    ids: np.ndarray  # stable_id of each row's document
    problem: str = ""

    @functools.cached_property
    def rows_by_id(self) -> RowsById:
        return RowsById(self.matrix, self.ids)

    @classmethod
    def read(cls, directory: Path) -> ClusterVectors:
        """The vectors in ``directory``; none, and nothing to say, when the generation
        was built without them (no directory)."""
        empty = np.zeros((0, 0), np.float32), np.zeros(0, np.int64)
        if not directory.is_dir():
            return cls(*empty)
        read = load_vectors(directory)
        if read.vectors is None:
            return cls(*empty, read.problem)
        ids = np.array([stable_id(doc_id) for doc_id in read.vectors.ids], dtype=np.int64)
        return cls(np.asarray(read.vectors.matrix, dtype=np.float32), ids)
