"""Reader lifecycle: which index generation serves, one Whoosh searcher per thread,
and the arrays every thread reading one committed state shares.

A searcher is replaced when ``reindex`` committed or a full build switched the index
generation, so readers move to new data without a restart. Like tantivy's reader and
warmer, a new generation can be warmed on a thread of its own (indexer/warming.py).
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
from whoosh import index as whoosh_index

from indexer.config import Settings
from indexer.deadline import NO_DEADLINE, Deadline
from indexer.engines.whoosh.evaluation import Evaluator, ReaderArrays
from indexer.engines.whoosh.facet_tables import FacetTables
from indexer.engines.whoosh.generations import (
    current_generation,
    generation_problem,
    serving_generation,
)
from indexer.engines.whoosh.mapped import open_for_reading
from indexer.engines.whoosh.postings import PostingsCache
from indexer.engines.whoosh.scoring import field_weighting
from indexer.engines.whoosh.vectors import VectorTable, vector_table, vectors_written_ns
from indexer.errors import IndexDamagedError
from indexer.fields import TEXT_FIELDS
from indexer.query.spelling import Vocabulary

logger = logging.getLogger("policysearch")


class SharedState:
    """What every thread reading one committed index state shares: the arrays for
    evaluating queries, the facet tables and (built when first needed) the date order."""

    def __init__(self, reader: Any, postings: PostingsCache) -> None:
        self.arrays = ReaderArrays(reader, postings)
        self.facet_tables = FacetTables(reader, self.arrays.live)
        self._date_order: DateOrder | None = None
        self._vectors: VectorTable | None = None
        self._vectors_written_ns = 0
        self._vocabulary: Vocabulary | None = None
        self._lock = threading.Lock()

    def vocabulary(self, reader: Any) -> Vocabulary:
        """The Hangul terms of titles and bodies, for corrections (built when first needed)."""
        with self._lock:
            if self._vocabulary is None:
                # Segment by segment: through a multi-segment reader every term is
                # looked up in every segment (4 s instead of 0.5 s for 14,000 terms).
                # The counts are read now, not later through this thread's reader, which
                # may be closed by then (the warm-up thread closes its own).
                self._vocabulary = Vocabulary.of_fields(
                    (fieldname, term_text(term), info.doc_frequency())
                    for leaf, _ in reader.leaf_readers()
                    for fieldname in TEXT_FIELDS
                    for term, info in leaf.iter_field(fieldname)
                )
            return self._vocabulary

    def date_order(self, reader: Any) -> DateOrder:
        """Each document's date as a comparable number, its place in id order, and
        whether it has a full date (built when first needed)."""
        with self._lock:
            if self._date_order is None:
                self._date_order = DateOrder.of(
                    *(_column_values(reader, name) for name in ("date", "year", "id"))
                )
            return self._date_order

    def vector_table(self, generation: Path, reader: Any) -> VectorTable:
        """The generation's document vectors on this state's document numbers (read when
        first needed, and again when a reindex rewrote them after its commit; an empty
        table with the reason when there are none)."""
        written_ns = vectors_written_ns(generation)
        with self._lock:
            if self._vectors is None or self._vectors_written_ns != written_ns:
                ids = _column_values(reader, "id")
                self._vectors = vector_table(generation, ids, self.arrays.live)
                self._vectors_written_ns = written_ns
            return self._vectors


@dataclass(frozen=True)
class DateOrder:
    """``when``: a number per document, larger for later dates, -1 for undated ones
    (a document with only a year counts as dated at that year's start, before its dated
    documents); ``id_rank``: the document's place in id order, the last tie-break."""

    when: np.ndarray
    id_rank: np.ndarray
    has_date: np.ndarray  # a full date, not only a year

    @classmethod
    def of(cls, dates: list, years: list, ids: list) -> DateOrder:
        effective = [date or year or "" for date, year in zip(dates, years, strict=True)]
        distinct = sorted(set(effective) - {""})
        number = {value: place for place, value in enumerate(distinct)}
        when = np.array([number.get(value, -1) for value in effective], dtype=np.int64)
        by_id = sorted(range(len(ids)), key=ids.__getitem__)
        id_rank = np.empty(len(ids), dtype=np.int64)
        id_rank[np.array(by_id, dtype=np.int64)] = np.arange(len(ids))
        return cls(when, id_rank, np.array([bool(date) for date in dates], dtype=bool))

    def order(
        self,
        ids: np.ndarray,
        scores: np.ndarray,
        oldest_first: bool,
        first: np.ndarray | None = None,
    ) -> np.ndarray:
        """Positions of ``ids`` by date (undated last either way), equal dates by
        ``scores`` (relevance, highest first), then by id; those where ``first`` is
        true (the matches, when related results follow) before all others."""
        when = self.when[ids]
        undated = when < 0
        primary = np.where(undated, np.iinfo(np.int64).max, when if oldest_first else -when)
        keys = (self.id_rank[ids], -scores, primary)
        return np.lexsort(keys if first is None else (*keys, ~first))


@dataclass(frozen=True)
class ReaderView:
    """One thread's Whoosh searcher on a generation, with the state it shares."""

    generation: Path
    searcher: Any
    shared: SharedState

    @property
    def reader(self) -> Any:
        return self.searcher.reader()

    def evaluator(self, deadline: Deadline = NO_DEADLINE) -> Evaluator:
        return Evaluator(self.searcher, self.shared.arrays, deadline)


@dataclass(frozen=True)
class _Fallback:
    pointer: str  # CURRENT's content when the choice was made
    generation: Path  # the generation serving instead


class ReaderPool:
    """Opens an index directory for many threads: ``current()`` is the calling thread's
    view of the serving generation. ``on_new_generation`` hears of each generation
    opened for the first time (the server warms it)."""

    def __init__(
        self,
        index_dir: str | os.PathLike[str],
        settings: Settings,
        on_new_generation: Callable[[], None] | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.on_new_generation = on_new_generation
        self.postings = PostingsCache(settings.postings_cache_mb * 2**20)
        # Stateless: every thread's searcher scores with it.
        self.weighting = field_weighting(settings)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[Path, whoosh_index.Index] = {}
        # Facet tables and arrays depend only on the committed index state: threads share them.
        self._shared: dict[tuple[Path, int], SharedState] = {}
        # Verdicts on the generations this process has checked: each is checked once.
        self._sound: set[str] = set()
        self._damaged: dict[str, str] = {}  # name -> reason; never opened by this process
        self.notice = ""  # set while an older generation answers for a damaged one
        self._fallback: _Fallback | None = None
        self.serving_generation()  # fail early, with a clear message

    def serving_generation(self) -> Path:
        """CURRENT's generation, or the newest complete one while CURRENT's is damaged.
        A generation is checked once, when first seen (checksums, then Whoosh opens it)."""
        try:
            generation = current_generation(self.index_dir)
            pointer = generation.name
            if pointer not in self._sound and pointer not in self._damaged:
                # Every byte is checked once per generation a process opens (CRC-32 at
                # about 1 GB/s; it also brings the index into the page cache).
                problem = generation_problem(generation, full=True)
                if problem is None:
                    self._sound.add(pointer)
                else:
                    self._damaged[pointer] = problem
            if pointer in self._sound:
                self.notice = ""
                return generation
        except IndexDamagedError:
            pointer = ""  # CURRENT itself is unusable
        if self._fallback is not None and self._fallback.pointer == pointer:
            return self._fallback.generation
        choice = serving_generation(self.index_dir, full=True, damaged=self._damaged)
        self._fallback = _Fallback(pointer, choice.generation)
        if choice.notice:
            self.notice = choice.notice
            logger.warning("%s", choice.notice)
        return choice.generation

    def current(self) -> ReaderView:
        """This thread's view of the serving generation, reopened when it changed."""
        generation = self.serving_generation()
        view: ReaderView | None = getattr(self._local, "view", None)
        if view is not None and view.generation == generation and view.searcher.up_to_date():
            return view
        if view is not None:
            view.searcher.close()
        searcher = self._open(generation).searcher(weighting=self.weighting)
        view = ReaderView(generation, searcher, self._shared_for(generation, searcher))
        self._local.view = view
        return view

    def close(self) -> None:
        """Closes this thread's searcher."""
        view = getattr(self._local, "view", None)
        if view is not None:
            view.searcher.close()
            self._local.view = None

    def _open(self, generation: Path) -> whoosh_index.Index:
        with self._lock:
            if generation not in self._indexes:
                self._indexes = {generation: open_for_reading(generation)}
            return self._indexes[generation]

    def _shared_for(self, generation: Path, searcher: Any) -> SharedState:
        key = (generation, searcher.reader().generation())
        with self._lock:
            shared = self._shared.get(key)
            if shared is None:
                new_generation = all(old[0] != generation for old in self._shared)
                shared = SharedState(searcher.reader(), self.postings)
                self._shared = {key: shared}  # only the newest state is needed
                if new_generation and self.on_new_generation is not None:
                    self.on_new_generation()
            return shared


def _column_values(reader: Any, fieldname: str) -> list:
    """A sortable field's value for every document number, segment by segment (a
    segment's column may stop before its last documents when those have no value)."""
    values: list = []
    for leaf, _ in reader.leaf_readers():
        column = leaf.column_reader(fieldname)
        values.extend(column[docnum] for docnum in range(leaf.doc_count_all()))
    return values


def term_text(term: str | bytes) -> str:
    """An index term as text (Whoosh hands some out as UTF-8 bytes)."""
    return term.decode("utf-8") if isinstance(term, bytes) else term
