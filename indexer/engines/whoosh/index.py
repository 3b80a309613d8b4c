"""The search API the CLI and the web share: ``SearchIndex``, a thin facade.

The work lives in small modules: readers and their lifecycle (searchers.py), warming
(warming.py), one request's answers to the engine-neutral search (request.py and
search/pipeline.py), hits and snippets (hits.py, offsets.py and
search/fragments.py), suggestions, similar documents and statistics (browse.py). One
``SearchIndex`` serves many requests and threads; use it as a context manager, or
call ``close`` in each thread that used it.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from types import TracebackType
from typing import Callable

from indexer.cache import LruCache
from indexer.config import Settings
from indexer.deadline import Deadline
from indexer.engines.whoosh import browse
from indexer.engines.whoosh.generations import read_meta
from indexer.engines.whoosh.request import WhooshRequest
from indexer.engines.whoosh.searchers import ReaderPool, ReaderView
from indexer.engines.whoosh.warming import warm_postings
from indexer.model.facets import Facet
from indexer.model.request import SearchRequest
from indexer.model.results import IndexStats, SearchResult, StoredDocument, Suggestion, WarmUpReport
from indexer.model.snippets import Snippet
from indexer.query.builder import Weights
from indexer.search import pipeline
from indexer.search.context_completions import with_context
from indexer.search.facets import whole_facet
from indexer.search.suggest import with_correction


class SearchIndex:
    """Reads one index directory for many requests; safe to share between threads."""

    def __init__(
        self,
        index_dir: str | os.PathLike[str],
        settings: Settings,
        warm_in_background: bool = False,
        on_warm_up: Callable[[WarmUpReport], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.clock = clock  # what request budgets are measured by (seconds)
        self.weights = Weights(settings.title_boost, settings.body_boost, settings.bigram_boost)
        # A server warms each generation it opens on a thread of its own and hears of
        # each warm-up through on_warm_up.
        self.on_warm_up = on_warm_up
        self.last_warm_up: WarmUpReport | None = None
        warm = warm_in_background and settings.warm_terms_per_field > 0
        self.readers = ReaderPool(
            index_dir, settings, on_new_generation=self._start_warm_up if warm else None
        )
        # Repeated requests (paging back, the same popular query) are answered from memory.
        self._cache: LruCache[SearchResult] | None = (
            LruCache(settings.result_cache_size) if settings.result_cache_size > 0 else None
        )

    @property
    def index_dir(self) -> str:
        return str(self.readers.index_dir)

    @property
    def notice(self) -> str:
        """Set while an older generation answers for a damaged one."""
        return self.readers.notice

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the calling thread's searcher."""
        self.readers.close()

    def search(self, request: SearchRequest) -> SearchResult:
        """Raises QueryError for an invalid request and SearchTimeoutError when the search
        runs past setting request_timeout_ms (it stops; nothing is cached)."""
        started = time.perf_counter()
        view = self.readers.current()
        # The budget is the query's: opening a new generation (checksums, facet tables)
        # is paid once per process and does not count against it.
        deadline = Deadline(self.settings.request_timeout_ms, self.clock)
        if self._cache is None:
            return self._run(request, view, deadline, started)
        # The request is frozen and hashable: all of it is the key, with the state read.
        key = (view.generation, view.reader.generation(), request)
        try:
            cached = self._cache.get(key)
        except TypeError:  # unhashable values in a hand-made request: just search
            return self._run(request, view, deadline, started)
        if cached is not None:
            took_ms = round((time.perf_counter() - started) * 1000, 2)
            return dataclasses.replace(cached, took_ms=took_ms, cached=True)
        result = self._run(request, view, deadline, started)
        self._cache.put(key, result)
        return result

    def _run(
        self, request: SearchRequest, view: ReaderView, deadline: Deadline, started: float
    ) -> SearchResult:
        engine = WhooshRequest(view, self.settings, self.weights, deadline)
        return pipeline.run(request, engine, self.settings, started)

    def _request(self, view: ReaderView, budget_ms: int) -> WhooshRequest:
        return WhooshRequest(view, self.settings, self.weights, Deadline(budget_ms, self.clock))

    def facet(self, request: SearchRequest, name: str, contains: str = "", limit: int = 0) -> Facet:
        """Every value of facet ``name`` for the documents ``request`` finds (not only the
        first setting facet_size), those holding ``contains`` when given, at most
        ``limit`` (0: MAX_FACET_SIZE); QueryError for a field that is not a facet."""
        return whole_facet(self.search, request, name, contains, limit)

    def export(self, request: SearchRequest) -> SearchResult:
        """Every match of ``request`` in its order (``request.page`` and ``size`` are
        ignored), at most setting export_max_rows of them, without marks or facets;
        ``total`` says how many matched. Not cached: an export is read once."""
        started = time.perf_counter()
        engine = self._request(self.readers.current(), self.settings.export_timeout_ms)
        return pipeline.run(
            request, engine, self.settings, started, export_rows=self.settings.export_max_rows
        )

    def updated_at(self) -> str:
        """When the serving index was last built or reindexed (ISO 8601, UTC)."""
        return str(read_meta(self.readers.current().generation).get("updated_at", ""))

    def document(self, doc_id: str) -> StoredDocument | None:
        stored = self.readers.current().searcher.document(id=doc_id)
        return StoredDocument.from_stored(stored) if stored else None

    def highlighted_document(self, doc_id: str, q: str) -> tuple[Snippet, Snippet] | None:
        """The title and body of a whole document with the terms of ``q`` marked;
        SearchTimeoutError past setting request_timeout_ms."""
        engine = self._request(self.readers.current(), self.settings.request_timeout_ms)
        return browse.highlighted_document(engine, doc_id, q)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Completions of the last word (browse.suggest), after the text with its typos
        and keyboard slips corrected when it has some (search/suggest.py)."""
        view = self.readers.current()
        engine = self._request(view, self.settings.request_timeout_ms)
        completions = browse.suggest(view, text, limit)
        found = with_correction(completions, text, engine, self.settings, limit)
        in_time = self._request(view, self.settings.completion_context_ms)  # the counts' deadline
        return with_context(found, text, in_time, self.settings, limit)

    def similar(self, doc_id: str, limit: int = 5) -> list[StoredDocument]:
        return browse.similar(self.readers.current(), doc_id, limit)

    def documents(self) -> list[StoredDocument]:
        return browse.all_documents(self.readers.current())

    def stats(self) -> IndexStats:
        return browse.index_stats(self.readers.current(), self.index_dir, self.settings.facet_size)

    def warm_postings(self, terms_per_field: int | None = None) -> WarmUpReport:
        count = self.settings.warm_terms_per_field if terms_per_field is None else terms_per_field
        return warm_postings(self.readers, count)

    def _start_warm_up(self) -> None:
        threading.Thread(
            target=self._warm_in_background, daemon=True, name="policysearch-warm-up"
        ).start()

    def _warm_in_background(self) -> None:
        try:
            self.last_warm_up = self.warm_postings()
        except Exception:  # the index moved on or closed meanwhile: requests still work
            return
        finally:
            self.close()  # this thread's searcher
        if self.on_warm_up is not None:
            self.on_warm_up(self.last_warm_up)
