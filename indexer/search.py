"""The search API the CLI and the web share: SearchRequest -> SearchResult.

Results are plain dataclasses, never Whoosh objects. One :class:`SearchIndex`
serves many requests and threads: each thread gets its own Whoosh searcher, and
a searcher is replaced when ``reindex`` committed or a full build switched the
index generation, so readers move to new data without a restart.
"""
from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh import collectors, sorting

from .cache import LruCache
from .config import Settings
from .errors import QueryError
from .facets import Facet, FacetTables, count_facets, narrow
from .highlight import (
    attach_matched_terms, body_highlighter, highlight_field, plain_snippet, title_highlighter,
    whole_highlighter, whole_text_html,
)
from .query import (
    QueryBuilder, Weights, bound_expansions, parse_raw_query, parse_user_query,
    positive_part,
)
from .schema import BIGRAM_FIELDS, FACET_FIELDS
from .scoring import FieldBM25F
from .storage import current_generation, directory_size_bytes, read_meta
from .taggers import tagger_version

SORTS = ("relevance", "date")
MAX_FACET_SIZE = 1000
MAX_SUGGEST_PREFIX_CHARS = 50
MAX_SUGGEST_TERMS = 2000  # bounds the work for a one-syllable prefix
# Added to the score of documents with every word when a short query was relaxed, so
# they rank ahead of documents with some of the words (BM25 scores stay far below it).
PREFERRED_BONUS = 1_000_000.0
SIMILAR_TEXT_CHARS = 5000  # enough to find a document's key terms without analysing all of it
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class SearchRequest:
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: str = ""  # yyyy, yyyy-mm or yyyy-mm-dd, inclusive
    date_to: str = ""
    sort: str = "relevance"
    page: int = 1
    size: int | None = None
    raw: bool = False  # Whoosh query syntax instead of the safe default
    highlight: bool = True
    facets: bool = True
    facet_size: int | None = None  # values per facet; default: setting facet_size


@dataclass
class Hit:
    id: str
    title: str
    title_html: str
    snippet_html: str
    score: float | None
    category: list[str]
    department: str
    date: str
    year: str
    lang: str
    source: str
    url: str
    tags: list[str]


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    size: int
    pages: int
    hits: list[Hit]
    facets: list[Facet]
    took_ms: float
    sort: str = "relevance"
    # Too few documents had every word of a short query (setting min_all_word_hits), so
    # documents with some of the words follow the all_words_total that have them all.
    relaxed: bool = False
    all_words_total: int | None = None
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StoredDocument:
    id: str
    title: str
    body: str
    category: list[str]
    department: str
    date: str
    year: str
    lang: str
    source: str
    url: str
    tags: list[str]
    author: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Suggestion:
    text: str
    kind: str  # "term" or "title"
    count: int  # documents with the term (1 for a title)
    id: str = ""  # the document of a title suggestion


@dataclass
class IndexStats:
    index_dir: str
    generation: str
    documents: int
    size_bytes: int
    built_at: str
    updated_at: str
    corpus: str
    tagger: str
    analyzer: str
    schema_version: int | None
    facets: list[Facet]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _TextQuery:
    """The text part of a request: its query and, for a short query that needs every
    word, the any-word query to fall back on when too few documents have them all."""

    query: Q.Query | None
    relaxed: Q.Query | None = None
    notices: list[str] = field(default_factory=list)


@dataclass
class _Ranking:
    """One ranking pass: every matching document (for facets and totals) and the best."""

    matching: set[int]
    results: Any  # whoosh Results of the allowed documents, best first
    preferred: set[int] = field(default_factory=set)  # documents ranked ahead (all words)


class _MatchingTopCollector(collectors.TopCollector):
    """Whoosh's top-N collector that also records every matching document, so one pass
    over the postings gives both the ranking and the set facets are counted on.

    Only ``allowed`` documents (facet filters) are scored and ranked; ``preferred`` ones
    (documents with every word, when the query was relaxed) rank ahead of the rest.
    Matcher re-planning and block-quality skipping are off: on the wide OR trees of long
    queries they cost several times the scoring itself (a 100-word query: 5.5 s -> 1.6 s).
    """

    def __init__(self, limit: int, allowed: set[int] | None, preferred: set[int]) -> None:
        super().__init__(limit, usequality=False, replace=0)
        self.allowed = allowed
        self.preferred = preferred
        self.matched: set[int] = set()

    def collect(self, sub_docnum: int):
        global_docnum = self.offset + sub_docnum
        self.matched.add(global_docnum)
        if self.allowed is not None and global_docnum not in self.allowed:
            return None
        score = self.matcher.score()
        if global_docnum in self.preferred:
            score += PREFERRED_BONUS
        return self._collect(global_docnum, score)


class _ThreadSearcher:
    """A Whoosh searcher plus the facet tables of its reader."""

    def __init__(self, generation: Path, searcher, facet_tables: FacetTables) -> None:
        self.generation = generation
        self.searcher = searcher
        self.facet_tables = facet_tables


class SearchIndex:
    """Reads one index directory for many requests; safe to share between threads."""

    def __init__(self, index_dir: str | os.PathLike[str], settings: Settings) -> None:
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.weights = Weights(settings.title_boost, settings.body_boost,
                               settings.bigram_boost)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[Path, whoosh_index.Index] = {}
        # Facet tables depend only on the committed index state, so threads share them.
        self._facet_tables: dict[tuple[Path, int], FacetTables] = {}
        # Repeated requests (paging back, the same popular query) are answered from memory.
        self._cache: LruCache[SearchResult] | None = (
            LruCache(settings.result_cache_size) if settings.result_cache_size > 0 else None)
        current_generation(self.index_dir)  # fail early, with a clear message

    def _open(self, generation: Path) -> whoosh_index.Index:
        with self._lock:
            if generation not in self._indexes:
                self._indexes = {generation: whoosh_index.open_dir(str(generation))}
            return self._indexes[generation]

    def _current(self) -> _ThreadSearcher:
        generation = current_generation(self.index_dir)
        state: _ThreadSearcher | None = getattr(self._local, "state", None)
        if state is not None and state.generation == generation and state.searcher.up_to_date():
            return state
        if state is not None:
            state.searcher.close()
        weighting = FieldBM25F(B=self.settings.bm25_b, K1=self.settings.bm25_k1,
                               field_K1={name: self.settings.bigram_bm25_k1
                                         for name in BIGRAM_FIELDS})
        searcher = self._open(generation).searcher(weighting=weighting)
        state = _ThreadSearcher(generation, searcher, self._tables_for(generation, searcher))
        self._local.state = state
        return state

    def _tables_for(self, generation: Path, searcher) -> FacetTables:
        key = (generation, searcher.reader().generation())
        with self._lock:
            tables = self._facet_tables.get(key)
            if tables is None:
                tables = FacetTables(searcher.reader())
                self._facet_tables = {key: tables}  # only the newest state is needed
            return tables

    def close(self) -> None:
        state = getattr(self._local, "state", None)
        if state is not None:
            state.searcher.close()
            self._local.state = None

    # -- searching -------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        state = self._current()
        if self._cache is None:
            return self._search(request, state, started)
        try:
            key = (state.generation, state.searcher.reader().generation(), _request_key(request))
        except TypeError:  # unhashable values in a hand-made request: just search
            return self._search(request, state, started)
        cached = self._cache.get(key)
        if cached is not None:
            return dataclasses.replace(
                cached, took_ms=round((time.perf_counter() - started) * 1000, 2))
        result = self._search(request, state, started)
        self._cache.put(key, result)
        return result

    def _search(self, request: SearchRequest, state: _ThreadSearcher,
                started: float) -> SearchResult:
        settings = self.settings
        size = _bounded("size", request.size or settings.page_size, 1, settings.max_page_size)
        page = _bounded("page", request.page, 1, settings.max_page)
        if request.sort not in SORTS:
            raise QueryError(f"Unknown sort {request.sort!r}: use one of {', '.join(SORTS)}.")
        unknown = sorted(set(request.filters) - set(FACET_FIELDS) - {"tags", "source"})
        if unknown:
            raise QueryError(f"Unknown filter {', '.join(unknown)}: filter on "
                             f"{', '.join(list(FACET_FIELDS) + ['tags', 'source'])}.")
        notices: list[str] = []
        text = request.q or ""
        if len(text) > settings.max_query_chars:
            text = text[:settings.max_query_chars]
            notices.append(f"The query was cut to {settings.max_query_chars} characters.")
        text = text.replace("\x00", " ")

        searcher = state.searcher
        builder = QueryBuilder(searcher.schema, self.weights)
        text_query = self._text_query(builder, text, request.raw, searcher)
        notices.extend(text_query.notices)
        date_query = _date_range(request.date_from, request.date_to)
        query = _with_date(text_query.query, date_query)
        selected = {name: [v for v in values if v] for name, values in request.filters.items()}
        selected = {name: values for name, values in selected.items() if values}
        filters = {name: state.facet_tables.docs_with_any(name, values) if name in FACET_FIELDS
                   else set(searcher.docs_for_query(Q.Or([Q.Term(name, v) for v in values])))
                   for name, values in selected.items()}
        by_filters: set[int] | None = None  # documents every facet filter allows
        for docs in filters.values():
            by_filters = docs if by_filters is None else by_filters & docs
        limit = page * size

        ranked = request.sort == "relevance" and query is not None

        def match(candidate: Q.Query | None, preferred: set[int] | None = None) -> _Ranking:
            if ranked:
                return _rank(searcher, candidate, by_filters, limit, preferred)
            return _Ranking(_matching_docs(searcher, candidate), None)

        ranking = match(query)
        relaxed = False
        all_words_total = None
        if (text_query.relaxed is not None
                and len(ranking.matching) < settings.min_all_word_hits):
            # Too few documents have every word: those first, then documents with some.
            wider_query = _with_date(text_query.relaxed, date_query)
            wider = match(wider_query, preferred=ranking.matching)
            if len(wider.matching) > len(ranking.matching):
                relaxed = True
                all_words_total = len(narrow(ranking.matching, filters))
                notices.append(_relaxed_notice(len(ranking.matching)))
                ranking, query = wider, wider_query
        allowed = narrow(ranking.matching, filters)
        if not ranked and allowed:
            # Newest first (or browsing without a query): a sort, not a ranking.
            ranking.results = searcher.search(
                query if query is not None else Q.Every(), filter=allowed, limit=limit,
                sortedby=[sorting.FieldFacet("date", reverse=True),
                          sorting.FieldFacet("year", reverse=True), sorting.FieldFacet("id")])
        facet_size = _bounded("facet_size", request.facet_size or settings.facet_size, 1,
                              MAX_FACET_SIZE)
        facets = (count_facets(state.facet_tables, ranking.matching, filters, selected, facet_size)
                  if request.facets else [])
        hits = self._page_of_hits(searcher, query, ranking, page, size, request)
        total = len(allowed)
        return SearchResult(
            query=request.q or "", total=total, page=page, size=size,
            pages=(total + size - 1) // size, hits=hits, facets=facets,
            took_ms=round((time.perf_counter() - started) * 1000, 2), sort=request.sort,
            relaxed=relaxed, all_words_total=all_words_total, notices=notices,
        )

    def _text_query(self, builder: QueryBuilder, text: str, raw: bool,
                    searcher) -> _TextQuery:
        notices: list[str] = []
        if raw and text.strip():
            query = parse_raw_query(searcher.schema, text)
            if query is not None:
                query, bound_notices = bound_expansions(query, searcher.reader(),
                                                        self.settings.max_expansions)
                return _TextQuery(query, notices=notices + bound_notices)
            notices.append("The query syntax could not be parsed; searched it as plain words.")
        parsed = parse_user_query(text, self.settings.max_query_words)
        notices.extend(parsed.notices)
        # Long queries read like questions or headlines: few documents hold every word.
        query = builder.build(parsed, any_word=builder.positive_clause_count(parsed)
                              > self.settings.and_max_words)
        if query is None:
            if parsed.clauses:
                return _TextQuery(Q.NullQuery, notices=notices + ["Nothing searchable in the query."])
            return _TextQuery(None, notices=notices)
        relaxed = None
        if builder.positive_clause_count(parsed) > 1:
            relaxed = builder.build(parsed, any_word=True)
        return _TextQuery(query, relaxed, notices=notices)

    def _page_of_hits(self, searcher, query: Q.Query | None, ranking: _Ranking, page: int,
                      size: int, request: SearchRequest) -> list[Hit]:
        if ranking.results is None:
            return []
        results = ranking.results
        page_hits = [results[position] for position in
                     range((page - 1) * size, min(page * size, results.scored_length()))]
        highlight = request.highlight and query is not None and page_hits
        if highlight:
            # Excluded words are not marked; the page's matched terms let the highlighter
            # use the stored character offsets instead of re-running the tagger.
            attach_matched_terms(results, [hit.docnum for hit in page_hits],
                                 positive_part(query))
        body_hl = body_highlighter(self.settings.snippet_chars)
        title_hl = title_highlighter()
        ranked = request.sort == "relevance" and query is not None
        hits = []
        for hit in page_hits:
            stored = hit.fields()
            title = stored.get("title", "")
            body = stored.get("body", "")
            title_html = snippet_html = ""
            if highlight:
                title_html = (highlight_field(title_hl, hit, "title", title, 1)
                              or highlight_field(title_hl, hit, "title_bigram", title, 1))
                snippet_html = (highlight_field(body_hl, hit, "body", body, 2)
                                or highlight_field(body_hl, hit, "body_bigram", body, 2))
            score = None
            if ranked and hit.score is not None:
                score = hit.score - (PREFERRED_BONUS if hit.docnum in ranking.preferred else 0)
            hits.append(Hit(
                **_metadata(stored),
                title_html=title_html or plain_snippet(title, 1000),
                snippet_html=snippet_html or plain_snippet(body, self.settings.snippet_chars),
                score=round(score, 4) if score is not None else None,
            ))
        return hits

    # -- documents and stats ------------------------------------------------------

    def document(self, doc_id: str) -> StoredDocument | None:
        stored = self._current().searcher.document(id=doc_id)
        return _stored_document(stored) if stored else None

    def highlighted_document(self, doc_id: str, q: str) -> tuple[str, str] | None:
        """(title_html, body_html) of a whole document with the terms of ``q`` marked."""
        state = self._current()
        searcher = state.searcher
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return None
        stored = searcher.stored_fields(docnum)
        title, body = stored.get("title", ""), stored.get("body", "")
        text_query = self._text_query(QueryBuilder(searcher.schema, self.weights),
                                      q[:self.settings.max_query_chars], False, searcher)
        hit = None
        # The document may hold only some of the words (it came from a relaxed search).
        for query in (text_query.query, text_query.relaxed):
            if query is not None and hit is None:
                results = searcher.search(query, filter={docnum}, limit=1, terms=True)
                hit = results[0] if results.scored_length() else None
        if hit is None:
            return plain_snippet(title, len(title)), whole_text_html(body)
        highlighter = whole_highlighter()
        title_html = (highlight_field(highlighter, hit, "title", title, 1)
                      or highlight_field(highlighter, hit, "title_bigram", title, 1))
        body_html = (highlight_field(highlighter, hit, "body", body, 1)
                     or highlight_field(highlighter, hit, "body_bigram", body, 1))
        return title_html or plain_snippet(title, len(title)), body_html or whole_text_html(body)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Completions of the last word typed: indexed terms first, then matching titles.

        Korean terms are stored as syllables, so a prefix of whole syllables (서, 서울)
        completes to the terms that start with it (서울시, 서울광장).
        """
        words = text.strip().split()
        if not words or limit < 1:
            return []
        prefix = words[-1].lower()[:MAX_SUGGEST_PREFIX_CHARS]
        head = " ".join(words[:-1])
        searcher = self._current().searcher
        reader = searcher.reader()
        counts: dict[str, int] = {}
        if not prefix.isascii():  # English terms are stemmed: poor completions, titles do better
            for fieldname in ("title", "body"):
                for raw in islice(reader.expand_prefix(fieldname, prefix), MAX_SUGGEST_TERMS):
                    term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                    if term != prefix:
                        counts[term] = counts.get(term, 0) + reader.doc_frequency(fieldname, term)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
        suggestions = [Suggestion((head + " " + term).strip(), "term", count)
                       for term, count in ranked]
        title_query = Q.Or([Q.Prefix("title", prefix), Q.Prefix("title_bigram", prefix[:2])])
        seen = {s.text for s in suggestions}
        for hit in searcher.search(title_query, limit=limit * 2):
            title = hit.get("title", "")
            if prefix in title.lower() and title not in seen and len(suggestions) < limit * 2:
                suggestions.append(Suggestion(title, "title", 1, hit.get("id", "")))
                seen.add(title)
        return suggestions[:limit]

    def similar(self, doc_id: str, limit: int = 5) -> list[StoredDocument]:
        """Documents sharing the most distinctive terms of this one ("more like this")."""
        searcher = self._current().searcher
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        stored = searcher.stored_fields(docnum)
        text = (stored.get("title", "") + "\n" + stored.get("body", ""))[:SIMILAR_TEXT_CHARS]
        results = searcher.more_like(docnum, "body", text=text, top=limit, numterms=12)
        return [_stored_document(hit.fields()) for hit in results]

    def documents(self) -> list[StoredDocument]:
        """Every stored document (for checks and exports; loads all stored text)."""
        searcher = self._current().searcher
        return [_stored_document(f) for f in searcher.reader().all_stored_fields()]

    def stats(self) -> IndexStats:
        state = self._current()
        meta = read_meta(state.generation)
        everything = set(state.searcher.reader().all_doc_ids())
        facets = count_facets(state.facet_tables, everything, {}, {}, self.settings.facet_size)
        tagger = meta.get("tagger", "")
        return IndexStats(
            index_dir=str(self.index_dir),
            generation=state.generation.name,
            documents=state.searcher.doc_count(),
            size_bytes=directory_size_bytes(state.generation),
            built_at=meta.get("built_at", ""),
            updated_at=meta.get("updated_at", ""),
            corpus=meta.get("corpus", ""),
            tagger=tagger,
            analyzer=tagger_version(tagger) if tagger else "",
            schema_version=meta.get("schema_version"),
            facets=facets,
        )


def _bounded(name: str, value: int, lowest: int, highest: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise QueryError(f"{name} must be a whole number, got {value!r}.") from None
    if number < lowest or number > highest:
        raise QueryError(f"{name} must be between {lowest} and {highest}, got {number}.")
    return number


def _date_range(date_from: str, date_to: str) -> Q.Query | None:
    if not date_from and not date_to:
        return None
    for label, value in (("date_from", date_from), ("date_to", date_to)):
        if value and not _DATE.match(value):
            raise QueryError(f"{label} must look like 2022, 2022-11 or 2022-11-17, got {value!r}.")
    # Dates are stored as yyyy-mm-dd strings, so a string range is a date range;
    # "\uffff" makes a partial upper bound (2022-11) include the whole month.
    return Q.TermRange("date", date_from or None, (date_to + "\uffff") if date_to else None)


def _rank(searcher, query: Q.Query, allowed: set[int] | None, limit: int,
          preferred: set[int] | None = None) -> _Ranking:
    collector = _MatchingTopCollector(limit, allowed, preferred or set())
    searcher.search_with_collector(query, collector)
    return _Ranking(collector.matched, collector.results(), preferred or set())


def _request_key(request: SearchRequest) -> tuple:
    filters = tuple(sorted((name, tuple(values)) for name, values in request.filters.items()))
    return (request.q, filters, request.date_from, request.date_to, request.sort, request.page,
            request.size, request.raw, request.highlight, request.facets, request.facet_size)


def _relaxed_notice(all_words_count: int) -> str:
    if all_words_count:
        return (f"Only {all_words_count} documents have every word; they come first, "
                "then documents with some of the words.")
    return "No document has every word; showing documents with any of them."


def _with_date(query: Q.Query | None, date_query: Q.Query | None) -> Q.Query | None:
    if date_query is None:
        return query
    return date_query if query is None else Q.And([query, date_query])


def _matching_docs(searcher, query: Q.Query | None) -> set[int]:
    if query is None:
        return set(searcher.reader().all_doc_ids())
    return set(searcher.docs_for_query(query))


def _split(value: object) -> list[str]:
    if not value:
        return []
    return [part for part in str(value).split(",") if part]


def _metadata(stored: dict) -> dict[str, Any]:
    """The stored fields a Hit and a StoredDocument share, as plain values."""
    return {
        "id": stored.get("id", ""), "title": stored.get("title", ""),
        "category": _split(stored.get("category")), "department": stored.get("department", ""),
        "date": stored.get("date", ""), "year": stored.get("year", ""),
        "lang": stored.get("lang", ""), "source": stored.get("source", ""),
        "url": stored.get("url", ""), "tags": _split(stored.get("tags")),
    }


def _stored_document(stored: dict) -> StoredDocument:
    return StoredDocument(**_metadata(stored), body=stored.get("body", ""),
                          author=stored.get("author", ""))


def search(index_dir: str | os.PathLike[str], request: SearchRequest,
           settings: Settings) -> SearchResult:
    """One search against an index directory (opens and closes it)."""
    index = SearchIndex(index_dir, settings)
    try:
        return index.search(request)
    finally:
        index.close()
