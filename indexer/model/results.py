"""What the search API returns: plain dataclasses, never Whoosh objects.

A hit has one shape wherever it is shown: ``Hit.to_dict`` is what ``search --json``,
``/api/search`` and the widget read.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence
from urllib.parse import quote, urlencode

from indexer.fields import DOCUMENT_FIELDS, HIT_FIELDS, shown_values
from indexer.messages import DEFAULT_LANGUAGE, Notice, render
from indexer.model.facets import Facet
from indexer.model.snippets import Snippet

if TYPE_CHECKING:
    from indexer.model.request import CheckedRequest

DOT_SEGMENTS = frozenset({".", ".."})


def document_path(doc_id: str, q: str = "", context: Sequence[tuple[str, str]] = ()) -> str:
    """The path of a document's page (relative to the site), carrying the query to mark
    and the ``context`` of the search it was found by (filters, sort, page), so the
    page can lead back to it.

    An id is one path segment, percent-encoded; an id with a dot segment (``..``,
    ``a/./b``) is passed as ``?id=`` instead, because browsers resolve dot segments,
    even percent-encoded ones, before the request is made.
    """
    params = [("q", q)] if q else []
    params += [(name, value) for name, value in context if name not in ("q", "id")]
    if DOT_SEGMENTS & set(doc_id.split("/")) or not doc_id:
        return f"/doc?{urlencode([('id', doc_id), *params])}"
    path = f"/doc/{quote(doc_id, safe='')}"
    return f"{path}?{urlencode(params)}" if params else path


# A hit's tier: a match holds every word typed (or a question's content words), each
# as typed or through its variants, compound parts or synonyms; a related result is
# anything else found helpful (some of the words, a translation, a correction).
MATCH, RELATED = "match", "related"
TIERS = (MATCH, RELATED)
# Why a hit was found, by code (rendered from the message tables' reason_<code>).
REASONS = (
    "all_words",
    "synonym",
    "some_words",
    "translated",
    "corrected",
    "similar_spelling",
    "similar_meaning",
)


@dataclass(frozen=True)
class Reason(Notice):
    """Why a hit was found: a code of REASONS and its parameters (all_words;
    synonym: word, synonym; some_words: held, words; translated: word, translation;
    corrected: original, corrected; similar_spelling: a word's related results spelt
    like it; similar_meaning: found by meaning alone, search/semantic.py)."""

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return render(f"reason_{self.code}", language, self.params)


@dataclass(frozen=True)
class Hit:
    id: str
    marked_title: Snippet  # the title with the matches marked
    snippet: Snippet  # the text around the matches (the start of the body without any)
    score: float | None
    fields: Mapping[str, Any]  # the stored values of indexer.fields.HIT_FIELDS
    tier: str = MATCH  # TIERS
    reasons: tuple[Reason, ...] = ()

    @property
    def related(self) -> bool:
        return self.tier == RELATED

    @property
    def title(self) -> str:
        return self.marked_title.text

    @property
    def title_html(self) -> str:
        return self.marked_title.to_html()

    @property
    def snippet_html(self) -> str:
        return self.snippet.to_html()

    def reasons_text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """The reasons as one short label (a page's, an export column's)."""
        return "; ".join(reason.text(language) for reason in self.reasons)

    def to_dict(self, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_url": document_path(self.id),
            "title": self.title,
            "title_html": self.title_html,
            "title_spans": [list(span) for span in self.marked_title.spans],
            "snippet": self.snippet.text,
            "snippet_html": self.snippet_html,
            "snippet_spans": [list(span) for span in self.snippet.spans],
            "score": self.score,
            "tier": self.tier,
            "reasons": [reason.to_dict(language) for reason in self.reasons],
            **{name: _copied(value) for name, value in self.fields.items() if name != "id"},
        }


def hit_fields(stored: Mapping[str, Any]) -> dict[str, Any]:
    return shown_values(stored, HIT_FIELDS)


@dataclass
class SearchResult:
    query: str
    total: int  # the matches: what the facets count and a user can quote
    page: int
    size: int
    pages: int  # of the hits shown: the matches, then the related results
    hits: list[Hit]
    facets: list[Facet]  # counts of the matches
    took_ms: float
    sort: str = "relevance"
    # Related results (documents with some of the words, translations, corrections)
    # follow the matches, counted apart.
    related_total: int = 0
    notices: list[Notice] = field(default_factory=list)
    # Nothing matched the words typed, so this corrected query was searched instead.
    searched: str = ""
    # Some words typed are in no document: this correction is offered ("did you mean").
    suggestion: str = ""
    # Answered from the result cache: took_ms is the lookup, not a search.
    cached: bool = False

    @classmethod
    def answering(
        cls,
        checked: CheckedRequest,
        query: str,
        total: int,
        hits: list[Hit],
        facets: list[Facet],
        started: float,
        **rest: Any,
    ) -> SearchResult:
        """The result of ``checked`` (its page, size and sort; the pages ``total`` fills;
        the time since ``started``, a time.perf_counter()), for either backend."""
        shown = total + rest.get("related_total", 0)
        return cls(
            query=query,
            total=total,
            page=checked.page,
            size=checked.size,
            pages=(shown + checked.size - 1) // checked.size,
            hits=hits,
            facets=facets,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            sort=checked.sort,
            **rest,
        )

    @property
    def relaxed(self) -> bool:
        """Whether related results follow the matches."""
        return self.related_total > 0

    def to_dict(self, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """Plain data (built directly: dataclasses.asdict's generic deep copy was a
        tenth of an API request); notices rendered in ``language``."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["hits"] = [hit.to_dict(language) for hit in self.hits]
        data["facets"] = [facet.to_dict() for facet in self.facets]
        data["notices"] = [notice.to_dict(language) for notice in self.notices]
        data["relaxed"] = self.relaxed
        return data


@dataclass(frozen=True)
class StoredDocument:
    """A whole stored document: its id, title, body and shown fields."""

    fields: Mapping[str, Any]  # indexer.fields.DOCUMENT_FIELDS

    @property
    def id(self) -> str:
        return self.fields["id"]

    @property
    def title(self) -> str:
        return self.fields["title"]

    @property
    def body(self) -> str:
        return self.fields["body"]

    def to_dict(self) -> dict[str, Any]:
        return {
            **{name: _copied(value) for name, value in self.fields.items()},
            "doc_url": document_path(self.id),
        }

    def __getattr__(self, name: str) -> Any:
        """Any shown field as an attribute (document.department), as templates read it."""
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> StoredDocument:
        return cls(shown_values(stored, DOCUMENT_FIELDS))


@dataclass
class Suggestion:
    text: str
    # "correction" (the whole text corrected), "term", "phrase" (a term and the word after
    # it in titles), "title", "initials" or "popular" (a frequent past search)
    kind: str
    count: int  # documents (titles for a phrase) with it; 1 for a title, 0 otherwise
    id: str = ""  # the document of a title suggestion


@dataclass
class IndexStats:
    index_dir: str
    generation: str
    documents: int
    size_bytes: int | None  # None: on a cluster's shard nodes
    built_at: str
    updated_at: str
    corpus: str
    tagger: str
    analyzer: str
    schema_version: int | None
    facets: list[Facet]
    shards: int = 0  # a cluster's shard nodes; 0 for one machine's index

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class WarmUpReport:
    generation: str
    terms: int
    seconds: float
    cached_mb: float


def _copied(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value
