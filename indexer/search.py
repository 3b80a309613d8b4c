"""The search API the CLI and the web share: SearchRequest -> SearchResult.

Results are plain dataclasses, never Whoosh objects. One :class:`SearchIndex`
serves many requests and threads: each thread gets its own Whoosh searcher, and
a searcher is replaced when ``reindex`` committed or a full build switched the
index generation, so readers move to new data without a restart.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import os
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Callable

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.searching import Results

from .cache import LruCache
from .config import Settings
from .deadline import NO_DEADLINE, Deadline
from .documents import normalize_text
from .errors import IndexDamagedError, QueryError
from .evaluation import Evaluator, Matches, ReaderArrays, top_documents
from .facets import Facet, FacetTables, count_facets, narrow
from .fields import BIGRAM_FIELDS, FACET_FIELDS, TEXT_FIELDS
from .highlight import (
    attach_matched_terms,
    body_highlighter,
    highlight_field,
    load_match_offsets,
    plain_snippet,
    title_highlighter,
    whole_highlighter,
    whole_text_html,
)
from .mapped import open_for_reading
from .postings import PostingsCache
from .query import (
    QueryBuilder,
    Weights,
    bound_expansions,
    parse_raw_query,
    parse_user_query,
    positive_part,
)
from .schema import split_keywords
from .scoring import FieldBM25F
from .storage import (
    current_generation,
    directory_size_bytes,
    generation_problem,
    read_meta,
    serving_generation,
)
from .taggers import tagger_version

SORTS = ("relevance", "date")
MAX_FACET_SIZE = 1000
MAX_SUGGEST_PREFIX_CHARS = 50
MAX_SUGGEST_TERMS = 2000  # bounds the work for a one-syllable prefix
# Added to the score of documents with every word when a short query was relaxed, so
# they rank ahead of documents with some of the words (BM25 scores stay far below it).
PREFERRED_BONUS = 1_000_000.0
SIMILAR_TEXT_CHARS = 5000
# Titles and texts up to this long are analysed again to find the matches to mark;
# longer ones read the offsets stored in the index (x10 bench corpus, 240 queries, warm:
# p50 9.2 ms with stored offsets only, 8.0 ms at 150 characters, 8.5 ms at 600).
RETOKENIZE_MAX_CHARS = 200
# A year, a month or a day; the day is not checked against its month (a bound of
# 2022-02-31 still means "up to the end of February").
DATE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
_DATE = re.compile(DATE_PATTERN)

logger = logging.getLogger("policysearch")


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
        """Plain data, as ``dataclasses.asdict`` gives, built directly (asdict's generic
        deep copy was a tenth of an API request)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["hits"] = [
            {**vars(hit), "category": list(hit.category), "tags": list(hit.tags)}
            for hit in self.hits
        ]
        data["facets"] = [
            {
                "name": facet.name,
                "label": facet.label,
                "values": [dict(vars(value)) for value in facet.values],
                "truncated": facet.truncated,
            }
            for facet in self.facets
        ]
        data["notices"] = list(self.notices)
        return data


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
class WarmUpReport:
    generation: str
    terms: int
    seconds: float
    cached_mb: float


@dataclass
class _TextQuery:
    """The text part of a request: its query and, for a short query that needs every
    word, the any-word query to fall back on when too few documents have them all."""

    query: Q.Query | None
    relaxed: Q.Query | None = None
    notices: list[str] = field(default_factory=list)


class _ReaderState:
    """What every thread reading one committed index state shares: the arrays for
    evaluating queries, the facet tables and (built when first needed) the date order."""

    def __init__(self, reader, postings: PostingsCache) -> None:
        self.arrays = ReaderArrays(reader, postings)
        self.facet_tables = FacetTables(reader, self.arrays.live)
        self._date_rank: np.ndarray | None = None
        self._lock = threading.Lock()

    def date_rank(self, reader) -> np.ndarray:
        """Each document's place in newest-first order (date, then year, then id)."""
        with self._lock:
            if self._date_rank is None:
                dates, years, ids = (
                    _column_values(reader, name) for name in ("date", "year", "id")
                )
                order = sorted(range(len(ids)), key=ids.__getitem__)
                # A stable sort, newest first: equal dates keep the id order.
                order.sort(key=lambda d: (dates[d] or "", years[d] or ""), reverse=True)
                rank = np.empty(len(order), dtype=np.int64)
                rank[np.array(order, dtype=np.int64)] = np.arange(len(order))
                self._date_rank = rank
            return self._date_rank


class _ThreadSearcher:
    """A Whoosh searcher plus the shared state of its reader."""

    def __init__(self, generation: Path, searcher, shared: _ReaderState) -> None:
        self.generation = generation
        self.searcher = searcher
        self.shared = shared


class SearchIndex:
    """Reads one index directory for many requests; safe to share between threads."""

    def __init__(
        self,
        index_dir: str | os.PathLike[str],
        settings: Settings,
        warm_in_background: bool = False,
        on_warm_up: Callable[[WarmUpReport], None] | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.settings = settings
        # A server warms each generation it opens (warm_postings) on a thread of its own
        # and hears of each warm-up through on_warm_up.
        self.warm_in_background = warm_in_background
        self.on_warm_up = on_warm_up
        self.last_warm_up: WarmUpReport | None = None
        self.weights = Weights(settings.title_boost, settings.body_boost, settings.bigram_boost)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._indexes: dict[Path, whoosh_index.Index] = {}
        # Facet tables and arrays depend only on the committed index state: threads share them.
        self._shared: dict[tuple[Path, int], _ReaderState] = {}
        self._postings = PostingsCache(settings.postings_cache_mb * 2**20)
        # Stateless: every thread's searcher scores with it.
        self._weighting = FieldBM25F(
            B=settings.bm25_b,
            K1=settings.bm25_k1,
            field_K1={name: settings.bigram_bm25_k1 for name in BIGRAM_FIELDS},
        )
        # Repeated requests (paging back, the same popular query) are answered from memory.
        self._cache: LruCache[SearchResult] | None = (
            LruCache(settings.result_cache_size) if settings.result_cache_size > 0 else None
        )
        # Verdicts on the generations this process has checked: each is checked once.
        self._sound: set[str] = set()
        self._damaged: dict[str, str] = {}  # name -> reason; never opened by this process
        self.notice = ""  # set while an older generation answers for a damaged one
        self._fallback: tuple[str, Path] | None = None  # (CURRENT's content, generation served)
        self._serving_generation()  # fail early, with a clear message

    def _open(self, generation: Path) -> whoosh_index.Index:
        with self._lock:
            if generation not in self._indexes:
                self._indexes = {generation: open_for_reading(generation)}
            return self._indexes[generation]

    def _serving_generation(self) -> Path:
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
        if self._fallback is not None and self._fallback[0] == pointer:
            return self._fallback[1]
        choice = serving_generation(self.index_dir, full=True, damaged=self._damaged)
        self._fallback = (pointer, choice.generation)
        if choice.notice:
            self.notice = choice.notice
            logger.warning("%s", choice.notice)
        return choice.generation

    def _current(self) -> _ThreadSearcher:
        generation = self._serving_generation()
        state: _ThreadSearcher | None = getattr(self._local, "state", None)
        if state is not None and state.generation == generation and state.searcher.up_to_date():
            return state
        if state is not None:
            state.searcher.close()
        searcher = self._open(generation).searcher(weighting=self._weighting)
        state = _ThreadSearcher(generation, searcher, self._shared_for(generation, searcher))
        self._local.state = state
        return state

    def _shared_for(self, generation: Path, searcher) -> _ReaderState:
        key = (generation, searcher.reader().generation())
        with self._lock:
            shared = self._shared.get(key)
            if shared is None:
                new_generation = all(old[0] != generation for old in self._shared)
                shared = _ReaderState(searcher.reader(), self._postings)
                self._shared = {key: shared}  # only the newest state is needed
                if (
                    new_generation
                    and self.warm_in_background
                    and self.settings.warm_terms_per_field > 0
                ):
                    threading.Thread(
                        target=self._warm_in_background, daemon=True, name="policysearch-warm-up"
                    ).start()
            return shared

    def _warm_in_background(self) -> None:
        try:
            self.last_warm_up = self.warm_postings()
        except Exception:  # the index moved on or closed meanwhile: requests still work
            return
        finally:
            self.close()  # this thread's searcher
        if self.on_warm_up is not None:
            self.on_warm_up(self.last_warm_up)

    def warm_postings(self, terms_per_field: int | None = None) -> WarmUpReport:
        """Decodes into the postings cache the postings of each text field's most
        frequent terms: the longest lists, which the first queries would otherwise wait
        for (x10 bench corpus, 200 a field: first-seen queries p95 49 -> 31-35 ms)."""
        count = self.settings.warm_terms_per_field if terms_per_field is None else terms_per_field
        started = time.perf_counter()
        state = self._current()
        evaluator = self._evaluator(state)
        reader = state.searcher.reader()
        warmed = 0
        for fieldname in (*TEXT_FIELDS, *BIGRAM_FIELDS):
            state.shared.arrays.field_lengths(reader, fieldname)
            frequent = heapq.nlargest(
                count, ((info.doc_frequency(), term) for term, info in reader.iter_field(fieldname))
            )
            for _, term in frequent:
                evaluator.term_documents(fieldname, term)
                warmed += 1
        return WarmUpReport(
            state.generation.name,
            warmed,
            round(time.perf_counter() - started, 2),
            round(self._postings.bytes_used / 2**20, 1),
        )

    def _evaluator(self, state: _ThreadSearcher, deadline: Deadline = NO_DEADLINE) -> Evaluator:
        return Evaluator(state.searcher, state.shared.arrays, deadline)

    def close(self) -> None:
        state = getattr(self._local, "state", None)
        if state is not None:
            state.searcher.close()
            self._local.state = None

    # -- searching -------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        """Raises QueryError for an invalid request and SearchTimeoutError when the search
        runs past setting request_timeout_ms (it stops; nothing is cached)."""
        started = time.perf_counter()
        state = self._current()
        # The budget is the query's: opening a new generation (checksums, facet tables)
        # is paid once per process and does not count against it.
        deadline = Deadline(self.settings.request_timeout_ms)
        if self._cache is None:
            return self._search(request, state, started, deadline)
        try:
            key = (state.generation, state.searcher.reader().generation(), _request_key(request))
        except TypeError:  # unhashable values in a hand-made request: just search
            return self._search(request, state, started, deadline)
        cached = self._cache.get(key)
        if cached is not None:
            return dataclasses.replace(
                cached, took_ms=round((time.perf_counter() - started) * 1000, 2)
            )
        result = self._search(request, state, started, deadline)
        self._cache.put(key, result)
        return result

    def _search(
        self, request: SearchRequest, state: _ThreadSearcher, started: float, deadline: Deadline
    ) -> SearchResult:
        settings = self.settings
        size = _bounded(
            "size",
            settings.page_size if request.size is None else request.size,
            1,
            settings.max_page_size,
        )
        page = _bounded("page", request.page, 1, settings.max_page)
        if request.sort not in SORTS:
            raise QueryError(f"Unknown sort {request.sort!r}: use one of {', '.join(SORTS)}.")
        unknown = sorted(set(request.filters) - set(FACET_FIELDS) - {"tags", "source"})
        if unknown:
            raise QueryError(
                f"Unknown filter {', '.join(unknown)}: filter on "
                f"{', '.join(list(FACET_FIELDS) + ['tags', 'source'])}."
            )
        notices: list[str] = []
        text = request.q or ""
        if len(text) > settings.max_query_chars:
            text = text[: settings.max_query_chars]
            notices.append(f"The query was cut to {settings.max_query_chars} characters.")
        text = text.replace("\x00", " ")

        searcher = state.searcher
        evaluator = self._evaluator(state, deadline)
        builder = QueryBuilder(searcher.schema, self.weights)
        text_query = self._text_query(builder, text, request.raw, searcher, deadline)
        notices.extend(text_query.notices)
        in_dates = _date_mask(evaluator, request.date_from, request.date_to)
        selected = {name: [v for v in values if v] for name, values in request.filters.items()}
        selected = {name: values for name, values in selected.items() if values}
        doc_count = state.shared.arrays.doc_count_all
        filters = {
            name: state.shared.facet_tables.docs_with_any(name, values)
            if name in FACET_FIELDS
            else _mask(evaluator.evaluate(Q.Or([Q.Term(name, v) for v in values])).ids, doc_count)
            for name, values in selected.items()
        }
        limit = page * size
        query = text_query.query
        ranked = request.sort == "relevance" and query is not None

        def match(candidate: Q.Query | None) -> Matches:
            matches = evaluator.evaluate(candidate)
            if in_dates is not None:
                keep = in_dates[matches.ids]
                matches = Matches(matches.ids[keep], matches.scores[keep])
            return matches

        matches = match(query)
        preferred = np.zeros(0, dtype=np.int64)  # documents ranked ahead (every word)
        relaxed = False
        all_words_total = None
        if text_query.relaxed is not None and len(matches) < settings.min_all_word_hits:
            # Too few documents have every word: those first, then documents with some.
            wider = match(text_query.relaxed)
            if len(wider) > len(matches):
                relaxed = True
                all_words_total = int(narrow(_mask(matches.ids, doc_count), filters).sum())
                notices.append(_relaxed_notice(len(matches)))
                preferred = matches.ids
                bonus = np.isin(wider.ids, preferred, assume_unique=True) * PREFERRED_BONUS
                matches = Matches(wider.ids, wider.scores + bonus)
                query = text_query.relaxed
        matching = _mask(matches.ids, doc_count)
        allowed = narrow(matching, filters)
        kept = allowed[matches.ids]
        ids, scores = matches.ids[kept], matches.scores[kept]
        if ranked:
            best = top_documents(ids, scores, limit)
        else:
            # Newest first (or browsing without a query): a sort, not a ranking.
            best = np.argsort(state.shared.date_rank(searcher.reader())[ids], kind="stable")[:limit]
        first = (page - 1) * size
        page_ids = ids[best[first:limit]].tolist()
        page_scores: list[float | None] = (
            [float(x) for x in scores[best[first:limit]]] if ranked else [None] * len(page_ids)
        )
        facet_size = _bounded(
            "facet_size",
            settings.facet_size if request.facet_size is None else request.facet_size,
            1,
            MAX_FACET_SIZE,
        )
        facets = (
            count_facets(state.shared.facet_tables, matching, filters, selected, facet_size)
            if request.facets
            else []
        )
        hits = self._page_of_hits(
            evaluator, query, page_ids, page_scores, preferred, request, deadline
        )
        total = int(len(ids))
        return SearchResult(
            query=request.q or "",
            total=total,
            page=page,
            size=size,
            pages=(total + size - 1) // size,
            hits=hits,
            facets=facets,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            sort=request.sort,
            relaxed=relaxed,
            all_words_total=all_words_total,
            notices=notices,
        )

    def _text_query(
        self,
        builder: QueryBuilder,
        text: str,
        raw: bool,
        searcher,
        deadline: Deadline = NO_DEADLINE,
    ) -> _TextQuery:
        notices: list[str] = []
        text = normalize_text(text)  # as documents were: NFC, no invisible characters
        if raw and text.strip():
            query = parse_raw_query(searcher.schema, text)
            if query is not None:
                query, bound_notices = bound_expansions(
                    query, searcher.reader(), self.settings.max_expansions, deadline
                )
                return _TextQuery(query, notices=notices + bound_notices)
            notices.append("The query syntax could not be parsed; searched it as plain words.")
        parsed = parse_user_query(text, self.settings.max_query_words)
        notices.extend(parsed.notices)
        # Long queries read like questions or headlines: few documents hold every word.
        query = builder.build(
            parsed, any_word=builder.positive_clause_count(parsed) > self.settings.and_max_words
        )
        if query is None:
            if parsed.clauses:
                return _TextQuery(
                    Q.NullQuery, notices=notices + ["Nothing searchable in the query."]
                )
            return _TextQuery(None, notices=notices)
        relaxed = None
        if builder.positive_clause_count(parsed) > 1:
            relaxed = builder.build(parsed, any_word=True)
        return _TextQuery(query, relaxed, notices=notices)

    def _page_of_hits(
        self,
        evaluator: Evaluator,
        query: Q.Query | None,
        docnums: list[int],
        scores: list[float | None],
        preferred: np.ndarray,
        request: SearchRequest,
        deadline: Deadline,
    ) -> list[Hit]:
        if not docnums:
            return []
        # Whoosh's own hit objects, so its highlighter can read the stored offsets.
        results = Results(evaluator.searcher, query, list(zip(scores, docnums, strict=True)))
        page_hits = [results[position] for position in range(len(docnums))]
        highlight = request.highlight and query is not None
        if highlight:
            # Excluded words are not marked. The page's matched terms and their offsets
            # are found here for the page only; the bigram fields (a fallback for marks)
            # are left to Whoosh, which loads them when first asked.
            attach_matched_terms(results, docnums, positive_part(query), evaluator.term_documents)
            for fieldname in ("title", "body"):
                load_match_offsets(
                    results,
                    fieldname,
                    {hit.docnum: hit.fields().get(fieldname, "") for hit in page_hits},
                    RETOKENIZE_MAX_CHARS,
                )
        body_hl = body_highlighter(self.settings.snippet_chars)
        title_hl = title_highlighter()
        bonus_docs = set(preferred.tolist()) if len(preferred) else set()
        hits = []
        for hit in page_hits:
            deadline.check()
            stored = hit.fields()
            title = stored.get("title", "")
            body = stored.get("body", "")
            title_html = snippet_html = ""
            if highlight:
                title_html = highlight_field(title_hl, hit, "title", title, 1) or highlight_field(
                    title_hl, hit, "title_bigram", title, 1
                )
                snippet_html = highlight_field(body_hl, hit, "body", body, 2) or highlight_field(
                    body_hl, hit, "body_bigram", body, 2
                )
            score = hit.score
            if score is not None and hit.docnum in bonus_docs:
                score -= PREFERRED_BONUS
            hits.append(
                Hit(
                    **_metadata(stored),
                    title_html=title_html or plain_snippet(title, 1000),
                    snippet_html=snippet_html or plain_snippet(body, self.settings.snippet_chars),
                    score=round(score, 4) if score is not None else None,
                )
            )
        return hits

    # -- documents and stats ------------------------------------------------------

    def document(self, doc_id: str) -> StoredDocument | None:
        stored = self._current().searcher.document(id=doc_id)
        return _stored_document(stored) if stored else None

    def highlighted_document(self, doc_id: str, q: str) -> tuple[str, str] | None:
        """(title_html, body_html) of a whole document with the terms of ``q`` marked;
        SearchTimeoutError past setting request_timeout_ms."""
        state = self._current()
        searcher = state.searcher
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return None
        stored = searcher.stored_fields(docnum)
        title, body = stored.get("title", ""), stored.get("body", "")
        deadline = Deadline(self.settings.request_timeout_ms)
        text_query = self._text_query(
            QueryBuilder(searcher.schema, self.weights),
            q[: self.settings.max_query_chars],
            False,
            searcher,
            deadline,
        )
        hit = None
        evaluator = self._evaluator(state, deadline)
        # The document may hold only some of the words (it came from a relaxed search).
        for query in (text_query.query, text_query.relaxed):
            if query is None or hit is not None:
                continue
            matches = evaluator.evaluate(query)
            position = int(np.searchsorted(matches.ids, docnum))
            if position < len(matches) and matches.ids[position] == docnum:
                results = Results(searcher, query, [(float(matches.scores[position]), docnum)])
                attach_matched_terms(
                    results, [docnum], positive_part(query), evaluator.term_documents
                )
                # A long body's matches come from the stored offsets, not from analysing
                # it again (a million characters took 1.7 s to analyse).
                for fieldname, text in (("title", title), ("body", body)):
                    load_match_offsets(results, fieldname, {docnum: text}, RETOKENIZE_MAX_CHARS)
                hit = results[0]
        if hit is None:
            return plain_snippet(title, len(title)), whole_text_html(body)
        highlighter = whole_highlighter()
        title_html = highlight_field(highlighter, hit, "title", title, 1) or highlight_field(
            highlighter, hit, "title_bigram", title, 1
        )
        body_html = highlight_field(highlighter, hit, "body", body, 1) or highlight_field(
            highlighter, hit, "body_bigram", body, 1
        )
        return title_html or plain_snippet(title, len(title)), body_html or whole_text_html(body)

    def suggest(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Completions of the last word typed: indexed terms first, then matching titles.

        Korean terms are stored as syllables, so a prefix of whole syllables (서, 서울)
        completes to the terms that start with it (서울시, 서울광장).
        """
        words = normalize_text(text).strip().split()
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
        suggestions = [
            Suggestion((head + " " + term).strip(), "term", count) for term, count in ranked
        ]
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
        facets = count_facets(
            state.shared.facet_tables, state.shared.arrays.live, {}, {}, self.settings.facet_size
        )
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
        if value and not _DATE.fullmatch(value):
            raise QueryError(f"{label} must look like 2022, 2022-11 or 2022-11-17, got {value!r}.")
    # Dates are stored as yyyy-mm-dd strings, so a string range is a date range;
    # "\uffff" makes a partial upper bound (2022-11) include the whole month.
    return Q.TermRange("date", date_from or None, (date_to + "\uffff") if date_to else None)


def _column_values(reader, fieldname: str) -> list:
    """A sortable field's value for every document number, segment by segment (a
    segment's column may stop before its last documents when those have no value)."""
    values: list = []
    for leaf, _ in reader.leaf_readers():
        column = leaf.column_reader(fieldname)
        values.extend(column[docnum] for docnum in range(leaf.doc_count_all()))
    return values


def _date_mask(evaluator: Evaluator, date_from: str, date_to: str) -> np.ndarray | None:
    """The documents dated within the range (a mask), or None when no range was asked."""
    date_range = _date_range(date_from, date_to)
    if date_range is None:
        return None
    mask = np.zeros(evaluator.arrays.doc_count_all, dtype=bool)
    for btext in date_range._btexts(evaluator.reader):  # one term per distinct date
        mask[evaluator.term_documents("date", btext)] = True
    return mask


def _mask(ids: np.ndarray, doc_count: int) -> np.ndarray:
    mask = np.zeros(doc_count, dtype=bool)
    mask[ids] = True
    return mask


def _request_key(request: SearchRequest) -> tuple:
    filters = tuple(sorted((name, tuple(values)) for name, values in request.filters.items()))
    return (
        request.q,
        filters,
        request.date_from,
        request.date_to,
        request.sort,
        request.page,
        request.size,
        request.raw,
        request.highlight,
        request.facets,
        request.facet_size,
    )


def _relaxed_notice(all_words_count: int) -> str:
    if all_words_count:
        return (
            f"Only {all_words_count} documents have every word; they come first, "
            "then documents with some of the words."
        )
    return "No document has every word; showing documents with any of them."


def _metadata(stored: dict) -> dict[str, Any]:
    """The stored fields a Hit and a StoredDocument share, as plain values."""
    return {
        "id": stored.get("id", ""),
        "title": stored.get("title", ""),
        "category": split_keywords(stored.get("category")),
        "department": stored.get("department", ""),
        "date": stored.get("date", ""),
        "year": stored.get("year", ""),
        "lang": stored.get("lang", ""),
        "source": stored.get("source", ""),
        "url": stored.get("url", ""),
        "tags": split_keywords(stored.get("tags")),
    }


def _stored_document(stored: dict) -> StoredDocument:
    return StoredDocument(
        **_metadata(stored), body=stored.get("body", ""), author=stored.get("author", "")
    )


def search(
    index_dir: str | os.PathLike[str], request: SearchRequest, settings: Settings
) -> SearchResult:
    """One search against an index directory (opens and closes it)."""
    index = SearchIndex(index_dir, settings)
    try:
        return index.search(request)
    finally:
        index.close()
