"""What the engine-neutral search (search/pipeline.py) asks of an engine for one request.

An engine answers in its own terms: a query is whatever the engine searches with (a
query tree for the Whoosh index, a Sphinx MATCH() text for the cluster), and the
pipeline only hands it back. The rules (when to relax, how many words are enough,
which totals to report, when to correct a typo, what notices say) are the pipeline's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np

from indexer.messages import Notice
from indexer.model.facets import Facet
from indexer.model.request import CheckedRequest
from indexer.model.results import Hit
from indexer.query.forms import WordForms
from indexer.query.spelling import Vocabulary
from indexer.search.semantic import Neighbours, QueryVector, never_pending, no_neighbours

QueryPlan = Any  # a query tree of query/ (whoosh.query nodes, read only by engines)


@dataclass(frozen=True)
class Plan:
    """What a request's text asks, in the engine's terms."""

    query: Any  # every word; None: every document (browsing, no text)
    # The query plan (query/) the engine scores and marks with (None: the engine's own
    # order, no marks).
    scored: QueryPlan | None
    # Any of the words, for relaxing (None: the query is never relaxed), and its plan.
    relaxed: Any = None
    scored_relaxed: QueryPlan | None = None
    words: Callable[[], Sequence[Any]] = tuple  # each word's query, for enough words
    min_word_fraction: float = 0.0  # of the words held, a document needs this share
    notices: tuple[Notice, ...] = ()
    nothing: bool = False  # nothing searchable was typed (punctuation): nothing matches
    # field:value written in the text, to filter by as the request's filters do, and
    # the text without them (what passages and marks read).
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    text: str | None = None
    # Related results follow the matches however many there are (a question, words
    # with translations); else only when the matches are few (min_all_word_hits).
    always_related: bool = False
    # Each counted word's forms (query/forms.py WordForms), what reasons are read from.
    forms: Callable[[], Sequence[WordForms]] = tuple
    # What the query's vector is computed from (query/textquery.meaning_text); None: the text.
    meaning_text: str | None = None


@dataclass(frozen=True)
class Selection:
    """Documents a step asks about: those matching ``query`` (in the request's date
    range) and, when ``words`` is not None, holding at least ``at_least`` of them (none
    qualify when no word is given)."""

    query: Any
    words: tuple[Any, ...] | None = None
    at_least: int = 1
    # Documents matching it qualify too: the matches (every word, however held) are
    # always among a relaxed selection, even where the words counted one by one differ.
    also: Any = None


@dataclass(frozen=True)
class Relaxing:
    """What matches: the query, or (relaxed) documents with enough of the words, those
    with every word (``preferred``) first."""

    selection: Selection
    scored: QueryPlan | None
    preferred: Selection | None = None
    min_words: int = 1
    words_held: int = 0

    @property
    def relaxed(self) -> bool:
        return self.preferred is not None


@dataclass(frozen=True)
class PageRequest:
    """The page a request shows: where it starts, how long it is, its order, marks."""

    start: int
    size: int
    ranked: bool  # by relevance (else by date, checked.sort says which way)
    highlight: bool
    unmarked: frozenset[str] = field(default_factory=frozenset)  # terms never marked
    # Documents near the query's meaning (search/semantic.py): fused into the order, and
    # those found by meaning alone follow the matches as related results. Asked for when
    # the engine has scored its candidates: the query's embedding goes on meanwhile.
    neighbours: Callable[[], Neighbours] = no_neighbours
    # Whether asking for the neighbours would wait for the query's vector: an engine may
    # do meanwhile what the page will need anyway (marking its likely documents).
    vector_pending: Callable[[], bool] = never_pending


class RequestEngine(Protocol):
    """One request's view of a backend (its state is read once, at the start)."""

    def plan(self, checked: CheckedRequest) -> Plan: ...

    def count(self, selection: Selection, checked: CheckedRequest) -> int:
        """Matches of ``selection`` within the request's filters and date range."""
        ...

    def holds(self, word: Any) -> bool:
        """Whether any document holds ``word`` (one of Plan.words), whatever the filters."""
        ...

    def holds_text(self, word: str) -> bool:
        """Whether any document holds the typed word, analysed (for corrections)."""
        ...

    def vocabulary(self) -> Vocabulary: ...

    def policy_terms(self) -> frozenset[str]:
        """Words a correction prefers among equally near ones (the thesaurus's words)."""
        ...

    def morpheme_analyzer(self) -> Callable[..., Iterable[Any]]:
        """The analyzer that splits a typed word into the index's morphemes."""
        ...

    def page(self, relaxing: Relaxing, checked: CheckedRequest, page: PageRequest) -> list[Hit]:
        """The hits of the page, within the request's filters and dates: when relaxed,
        the matches (``relaxing.preferred``) first in either order, each hit with its
        tier."""
        ...

    def vector_rows(self) -> np.ndarray:
        """The index's document vectors (unit rows; none: similar meaning cannot be
        sought), the rows ``neighbours`` compares the query's vector with."""
        ...

    def neighbours(
        self, vector: QueryVector, relaxing: Relaxing, checked: CheckedRequest
    ) -> Neighbours:
        """The documents nearest the query's vector (``vector()``, asked only when the
        index has vectors; None: no model; ``vector.similarity_to(vector_rows())``: its
        similarity to each row, when computed already) within the request's filters and dates
        (search/semantic.py nearest_rows), in this engine's ids, and which of them are
        not among ``relaxing.selection`` (found by meaning alone)."""
        ...

    def facets(self, selection: Selection, checked: CheckedRequest) -> list[Facet]:
        """Every facet's counts over ``selection``; a facet's own filter does not narrow
        its counts (the other filters do)."""
        ...

    def holding(self, query: QueryPlan, hits: Sequence[Hit]) -> frozenset[str]:
        """The ids of ``hits`` (of this request's page) that match ``query``, a query
        plan of one word's form."""
        ...

    def notices(self) -> list[Notice]:
        """What the engine has to say about this request (a shard missing)."""
        ...
