"""Searching the cluster through its aggregator: the request checked as for the Whoosh
backend, the words analysed by the same analyzer, BM25F with our field weights and the
cluster-wide document frequencies, filters, disjunctive facets, sorting and paging.

A shard that does not answer leaves its documents out: the aggregator still answers
from the others, and the result carries a notice saying so.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import combinations
from typing import Any

import numpy as np
from whoosh import query as Q

from indexer.config import Settings
from indexer.engines.sphinx.backend import TIMEOUT_S
from indexer.engines.sphinx.ids import stable_id, value_id
from indexer.engines.sphinx.layout import ClusterLayout
from indexer.engines.sphinx.marks import marked_field
from indexer.engines.sphinx.nodeconfig import VALUES_INDEX
from indexer.engines.sphinx.querytext import Untranslatable, escaped, sphinx_query
from indexer.engines.sphinx.rerank import (
    Candidate,
    CandidateStatistics,
    body_occurrences,
    query_terms,
)
from indexer.engines.sphinx.sphinxql import connect, rows_by_id, serving_generation
from indexer.engines.sphinx.termstats import (
    CollectionStats,
    decode_counts,
    read_field_terms,
    read_frequencies,
    read_totals,
)
from indexer.engines.whoosh.schema import build_schema
from indexer.fields import FACET_FIELDS, TEXT_FIELDS, field_named
from indexer.messages import Notice
from indexer.model.facets import Facet, facet_of
from indexer.model.request import MAX_SUGGEST_PREFIX_CHARS, CheckedRequest, SearchRequest, validate
from indexer.model.results import Hit, SearchResult, StoredDocument, Suggestion, hit_fields
from indexer.model.snippets import Snippet, plain_snippet
from indexer.query.builder import Weights
from indexer.query.spelling import Vocabulary, correct, is_choseong
from indexer.query.textquery import TextQuery, query_builder, text_query
from indexer.reading.documents import normalize_text
from indexer.search.evaluation import QueryEvaluator, bm25f_parameters
from indexer.search.marks import (
    MAX_TITLE_CHARS,
    body_highlighter,
    title_highlighter,
    unmarked_terms,
    whole_highlighter,
)
from indexer.search.passages import FIELD as PASSAGE_FIELD
from indexer.search.passages import passage_evidence, query_morphemes, with_passages
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS, relaxed_notice
from indexer.search.respell import respell

MAX_FACET_VALUES = 1000
WEIGHT_SCALE = 1000  # the cluster's own ranking is read back as a whole number
SNIPPET_WINDOW = 2  # snippet lengths of a body analysed to mark a hit's snippet
SIMILAR_TERMS = 12  # words of a document that find its similar ones (as Whoosh's more_like)
_WORDLIKE = re.compile(r"\w")  # a word Sphinx indexes has a letter or a digit


class ClusterSearcher:
    def __init__(self, layout: ClusterLayout, settings: Settings) -> None:
        self.layout = layout
        self.settings = settings
        self.schema = build_schema(settings)
        self.analyzer = self.schema["body"].analyzer
        weights = Weights(settings.title_boost, settings.body_boost, settings.bigram_boost)
        self.builder = query_builder(self.schema, weights, settings)
        self.parameters = bm25f_parameters(settings)
        self._names: dict[str, dict[int, str]] = {}  # generation and version -> id -> value
        self._vocabulary: dict[str, Vocabulary] = {}  # generation and version -> terms
        # No filter, no date: whether any document holds a word (relaxing, corrections).
        self._everything = validate(SearchRequest(), settings)

    def search(self, request: SearchRequest, export_rows: int = 0) -> SearchResult:
        """As SearchIndex.search; ``export_rows``: one page of that many, no facets."""
        started = time.perf_counter()
        checked = validate(request, self.settings)
        if export_rows:
            checked = dataclasses.replace(
                checked, page=1, size=export_rows, highlight=False, facets=False
            )
        q = request.q or ""
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            asked = _Asked.of(connection, started)
            result = self._answer(asked, q, checked)
            if request.spell and self.settings.spelling_corrections and not checked.raw:
                result = respell(
                    result,
                    checked,
                    self.settings,
                    lambda corrected: self._answer(asked, q, corrected),
                    lambda text, held_too: self._correction(asked, text, held_too),
                )
        return result

    def _answer(self, asked: _Asked, q: str, checked: CheckedRequest) -> SearchResult:
        """One checked request, as indexer/pipeline.py answers it: the query, relaxed to
        documents with enough of the words when too few have them all, the best
        candidates scored as the Whoosh backend scores them, facets and the page."""
        text, match, relaxed_match, text_notices = self._matches(checked)
        if text is not None and text.query is Q.NullQuery:
            # Nothing searchable was typed (punctuation only): nothing matches, as on
            # the Whoosh backend, instead of every document.
            return self._nothing(asked, q, checked, text_notices)
        names = self._value_names(asked)
        # Whoosh decides on relaxing before the filters narrow (dates do narrow).
        unfiltered = dataclasses.replace(checked, filters={})
        strict_total, warning = self._count(asked, match, unfiltered)
        scored_query = text.query if text is not None else None
        relaxed, all_words, preferred = False, None, []
        min_words, present = 1, 0
        if (
            relaxed_match
            and relaxed_match != match
            and strict_total < self.settings.min_all_word_hits
        ):
            wider_match, min_words, present = self._enough_words(asked, text, relaxed_match)
            wider_total, _ = self._count(asked, wider_match, unfiltered)
            if wider_total > strict_total:
                # Documents with every word first, then those with enough of them.
                relaxed = True
                all_words, _ = self._count(asked, match, checked)
                preferred = self._ids(asked, match, checked, all_words)
                match = wider_match
                scored_query = text.relaxed if text is not None else None
        total, warning = self._count(asked, match, checked)
        is_ranked = checked.sort == "relevance" and bool(match)
        ranking: list[tuple[int, float]] = []
        if is_ranked and scored_query is not None:
            ranking = self._rerank(asked, match, checked, preferred, scored_query)
        marked_by = scored_query if checked.highlight else None
        hits = self._page(asked, match, checked, preferred, ranking, is_ranked, marked_by)
        facets = (
            [self._facet(asked, match, checked, name, names) for name in FACET_FIELDS]
            if checked.facets
            else []
        )
        notices = [*checked.notices, *text_notices]
        if relaxed:
            notices.append(relaxed_notice(all_words or 0, min_words, present))
        if warning:
            notices.append(Notice("cluster_partial", {}))
        return SearchResult.answering(
            checked,
            q,
            total,
            hits,
            facets,
            asked.started,
            relaxed=relaxed,
            all_words_total=all_words,
            notices=notices,
        )

    def _nothing(
        self, asked: _Asked, q: str, checked: CheckedRequest, notices: list[Notice]
    ) -> SearchResult:
        facets = [
            facet_of(name, {}, checked.filters.get(name, ()), checked.facet_size)
            for name in (FACET_FIELDS if checked.facets else ())
        ]
        return SearchResult.answering(
            checked, q, 0, [], facets, asked.started, notices=[*checked.notices, *notices]
        )

    def _enough_words(
        self, asked: _Asked, text: TextQuery | None, relaxed_match: str
    ) -> tuple[str, int, int]:
        """The any-word match narrowed to documents with enough of the words, as the
        Whoosh backend narrows it (relaxed_min_word_fraction of the words some document
        holds): every choice of that many words, joined by OR. Also that many, and the
        number of words held."""
        fraction = self.settings.relaxed_min_word_fraction
        if text is None or fraction <= 0:
            return relaxed_match, 1, 0
        held = []
        for word in text.words():
            try:
                word_match = sphinx_query(word)
            except Untranslatable:
                continue
            if self._count(asked, word_match, self._everything)[0]:
                held.append(word_match)
        min_words = max(1, math.ceil(len(held) * fraction - 1e-9))
        if min_words <= 1:
            return relaxed_match, 1, len(held)
        choices = " | ".join(
            "(" + " ".join(chosen) + ")" for chosen in combinations(held, min_words)
        )
        return f"({relaxed_match}) ({choices})", min_words, len(held)

    def _rerank(
        self,
        asked: _Asked,
        match: str,
        checked: CheckedRequest,
        preferred: list[int],
        query: Q.Query,
    ) -> list[tuple[int, float]]:
        """The cluster's best ``cluster_candidates`` matches (cluster id, score), ordered
        by the Whoosh backend's scores: BM25F with the cluster's statistics, documents
        with every word ahead when relaxed, and the passage evidence."""
        rows = self._rows(
            asked, match, checked, preferred, 0, self.settings.cluster_candidates, "terms"
        )
        candidates = [Candidate.from_row(row[0], row[2]) for row in rows]
        if not candidates:
            return []
        stats = asked.totals
        morphemes = query_morphemes(self.analyzer, checked.text)
        wanted = query_terms([query]) | {(PASSAGE_FIELD, m) for m in morphemes}
        frequencies = read_frequencies(asked.connection, asked.generation, wanted)
        statistics = CandidateStatistics(candidates, stats, wanted, frequencies)
        matches = QueryEvaluator(statistics, self.parameters).evaluate(query)
        positions = np.arange(len(candidates))
        scores = np.zeros(len(candidates))
        scores[matches.ids] = matches.scores
        if preferred:
            ids = np.array([c.id for c in candidates])
            scores[np.isin(ids, preferred)] += PREFERRED_BONUS
        if self.settings.passage_weight > 0 and not checked.raw:

            def evidence_of(best: np.ndarray, morphemes: list[str]) -> list[float]:
                chosen = [candidates[int(n)] for n in best]
                return passage_evidence(
                    [body_occurrences(c, set(morphemes)) for c in chosen],
                    {m: frequencies.get((PASSAGE_FIELD, m), 0) for m in morphemes},
                    stats.documents,
                    lambda: self._titles(asked, [c.id for c in chosen]),
                    self.settings.shared_title_weight,
                )

            scores = with_passages(
                positions, scores, checked.text, self.analyzer, self.settings, evidence_of
            )
        order = top_documents(positions, scores, len(candidates))
        bonus = set(preferred)
        return [
            (
                candidates[n].id,
                float(scores[n]) - (PREFERRED_BONUS if candidates[n].id in bonus else 0.0),
            )
            for n in order
        ]

    def _page(
        self,
        asked: _Asked,
        match: str,
        checked: CheckedRequest,
        preferred: list[int],
        ranking: list[tuple[int, float]],
        is_ranked: bool,
        marked_by: Q.Query | None,
    ) -> list[Hit]:
        """The requested page: from the scored candidates as far as they go, then in the
        cluster's own order (they are its best, so the rest follows without overlap);
        the matches of ``marked_by`` marked."""
        unmarked = unmarked_terms(marked_by, checked.text, self.settings)
        offset = (checked.page - 1) * checked.size
        end = offset + checked.size
        scored = ranking[offset:end]
        stored_rows = {}
        if scored:
            stored_rows = {row[0]: row for row in self._stored(asked, [i for i, _ in scored])}
        hits = [
            self._hit(stored_rows[i], score if is_ranked else None, marked_by, unmarked)
            for i, score in scored
            if i in stored_rows
        ]
        start = max(offset, len(ranking))
        if end > start and (not ranking or len(ranking) >= self.settings.cluster_candidates):
            rows = self._rows(
                asked, match, checked, preferred, start, end - start, "doc_id, stored"
            )
            hits += [
                self._hit(
                    row, float(row[1]) / WEIGHT_SCALE if is_ranked else None, marked_by, unmarked
                )
                for row in rows
            ]
        return hits

    def _correction(self, asked: _Asked, text: str, held_too: bool) -> str | None:
        """As pipeline.correction_of, from the cluster's vocabulary."""

        def holds(word: str) -> bool:
            query = self.builder.word_query(word)
            if query is None:
                return False
            try:
                return self._count(asked, sphinx_query(query), self._everything)[0] > 0
            except Untranslatable:
                return False

        return correct(text, holds, self._vocabulary_of(asked), self.builder.morphemes, held_too)

    def _vocabulary_of(self, asked: _Asked) -> Vocabulary:
        stats = asked.totals
        key = f"{asked.generation}:{stats.written_ns}"
        if key not in self._vocabulary:
            terms = read_field_terms(asked.connection, asked.generation, TEXT_FIELDS)
            self._vocabulary = {key: Vocabulary(terms)}
        return self._vocabulary[key]

    # -- reading besides searching -------------------------------------------------------

    def stored(self, doc_id: str) -> dict[str, Any] | None:
        """A document's stored fields, or None when the cluster does not hold it."""
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            row = _document_row(connection, serving_generation(connection), doc_id, "stored")
        return json.loads(row[0]) if row else None

    def marked_document(self, doc_id: str, q: str) -> tuple[Snippet, Snippet] | None:
        """A whole document's title and body with the terms of ``q`` marked (those of
        the any-word query when the document lacks some words); None when not held."""
        stored = self.stored(doc_id)
        if stored is None:
            return None
        title, body = stored.get("title", ""), stored.get("body", "")
        whole_title = plain_snippet(title, len(title))
        text = q[: self.settings.max_query_chars]
        if not text.strip():
            return whole_title, Snippet(body)
        queries = text_query(self.builder, text, False, None, self.settings)
        highlighter = whole_highlighter()
        for query in (queries.query, queries.relaxed):
            unmarked = unmarked_terms(query, text, self.settings)
            marked_title = marked_field(
                self.schema, query, "title", title, highlighter, 1, unmarked
            )
            marked_body = marked_field(self.schema, query, "body", body, highlighter, 1, unmarked)
            if marked_title or marked_body:
                # The whole body, though only its start was analysed for marks.
                body_snippet = Snippet(body, marked_body.spans) if marked_body else Snippet(body)
                return marked_title or whole_title, body_snippet
        return whole_title, Snippet(body)

    def suggest(self, text: str, limit: int) -> list[Suggestion]:
        """As SearchIndex.suggest: the text corrected when it has typos, then completions
        of its last word from the cluster's vocabulary, then titles holding it."""
        words = normalize_text(text).strip().split()
        if not words or limit < 1:
            return []
        prefix = words[-1].lower()[:MAX_SUGGEST_PREFIX_CHARS]
        head = " ".join(words[:-1])
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            asked = _Asked.of(connection, time.perf_counter())
            vocabulary = self._vocabulary_of(asked)
            if is_choseong(prefix):
                terms = vocabulary.with_initials(prefix, limit)
                return [Suggestion((head + " " + t).strip(), "initials", n) for t, n in terms]
            suggestions = [
                Suggestion((head + " " + term).strip(), "term", count)
                for term, count in vocabulary.completions(prefix, limit)
            ]
            seen = {s.text for s in suggestions}
            for row in self._title_rows(asked, prefix, limit * 2):
                title = json.loads(row[3]).get("title", "")
                if prefix in title.lower() and title not in seen:
                    suggestions.append(Suggestion(title, "title", 1, row[2]))
                    seen.add(title)
            typed = " ".join(words)
            correction = None
            if self.settings.spelling_corrections:
                correction = self._correction(asked, typed[: self.settings.max_query_chars], False)
        if correction is not None and correction not in seen:
            suggestions.insert(0, Suggestion(correction, "correction", 0))
        return suggestions[:limit]

    def _title_rows(self, asked: _Asked, prefix: str, limit: int) -> list[tuple]:
        """Documents whose title holds the word or (Hangul) its first two syllables."""
        if not _WORDLIKE.search(prefix):
            return []  # punctuation is not indexed: Sphinx rejects a query of it alone
        words = [escaped(prefix)]
        if len(prefix) >= 2 and not prefix.isascii():
            words.append(escaped(prefix[:2]))
        match = f"@(title,title_bigram) ({' | '.join(words)})"
        with asked.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, WEIGHT() AS score, doc_id, stored FROM {asked.generation} "
                f"WHERE MATCH(%s) LIMIT {limit} " + self._options() + f", max_matches={limit}",
                (match,),
            )
            return list(cursor.fetchall())

    def similar(self, doc_id: str, limit: int) -> list[StoredDocument]:
        """Documents sharing the most distinctive words of this one's body ("more like
        this"): its SIMILAR_TERMS words of highest frequency times IDF, any of them."""
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            asked = _Asked.of(connection, time.perf_counter())
            row = _document_row(connection, asked.generation, doc_id, "terms")
            if row is None:
                return []
            counts = decode_counts(json.loads(row[0]).get("body", ""))
            stats = asked.totals
            frequencies = read_frequencies(
                connection, asked.generation, {("body", term) for term in counts}
            )
            weighted = sorted(
                (
                    (count * math.log(1 + stats.documents / (df + 1)), term)
                    for term, count in counts.items()
                    if (df := frequencies.get(("body", term), 0)) > 1 and len(term) > 1
                ),
                reverse=True,
            )[:SIMILAR_TERMS]
            if not weighted:
                return []
            match = "@body (" + " | ".join(escaped(term) for _, term in weighted) + ")"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, WEIGHT() AS score, doc_id, stored FROM {asked.generation} "
                    f"WHERE MATCH(%s) ORDER BY score DESC, id ASC LIMIT {limit + 1} "
                    + self._options()
                    + f", max_matches={limit + 1}",
                    (match,),
                )
                found = cursor.fetchall()
        return [
            StoredDocument.from_stored(json.loads(row[3])) for row in found if row[2] != doc_id
        ][:limit]

    def updated_at(self) -> str:
        """When the serving generation was last written (ISO 8601, UTC)."""
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            stats = _Asked.of(connection, time.perf_counter()).totals
        if not stats.written_ns:
            return ""
        moment = datetime.fromtimestamp(stats.written_ns / 1e9, tz=timezone.utc)
        return moment.isoformat(timespec="seconds").replace("+00:00", "Z")

    # -- the statement's parts -----------------------------------------------------------

    def _matches(self, checked: CheckedRequest) -> tuple[TextQuery | None, str, str, list[Notice]]:
        """The text query, it and its any-word fallback (empty when none) as Sphinx
        queries, and the notices of the words (synonyms, translations). The text query
        is None when the words are searched alone (raw syntax, filters in the text)."""
        if not checked.text.strip():
            return None, "", "", []
        if not checked.raw:
            text = text_query(self.builder, checked.text, False, None, self.settings)
            if text.query is Q.NullQuery:
                return text, "", "", list(text.notices)
            try:
                match = sphinx_query(text.query) if text.query is not None else ""
                relaxed = sphinx_query(text.relaxed) if text.relaxed is not None else ""
                return text, match, relaxed, list(text.notices)
            except Untranslatable:
                pass
        words = [w for w in query_morphemes(self.analyzer, checked.text) if _WORDLIKE.search(w)]
        if not words:
            return None, "", "", []
        joined = " ".join(escaped(word) for word in words)
        return None, f"@(title,body) {joined}", f'@(title,body) "{joined}"/1', []

    def _where(
        self, match: str, checked: CheckedRequest, skip: str | None
    ) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if match:
            clauses.append("MATCH(%s)")
            params.append(match)
        for name, values in checked.filters.items():
            if name == skip or not values:
                continue
            spec = field_named(name)
            if spec.kind == "year":
                ids = [int(v) for v in values if v.isascii() and v.isdigit()] or [-1]
            else:
                ids = [value_id(name, value) for value in values]
            clauses.append(f"{name} IN ({', '.join(str(i) for i in ids)})")
        if checked.date_from or checked.date_to:
            clauses.append("in_range = 1")
        return " AND ".join(clauses), params

    def _select(self, checked: CheckedRequest, columns: str) -> str:
        """``id, score, <columns>``, then what the filters and sorts read."""
        parts = ["id", "WEIGHT() AS score", *([columns] if columns else [])]
        if checked.date_from or checked.date_to:
            day_low = int(_bound(checked.date_from, low=True))
            day_high = int(_bound(checked.date_to, low=False))
            year_low, year_high = day_low // 10000, day_high // 10000
            # A document with only a year is in the range its year overlaps.
            parts.append(
                f"IF(day > 0, day >= {day_low} AND day <= {day_high}, "
                f"year > 0 AND year >= {year_low} AND year <= {year_high}) AS in_range"
            )
        parts.append("IF(day > 0, day, year * 10000) AS dated")
        return ", ".join(parts)

    def _statement(
        self,
        generation: str,
        match: str,
        checked: CheckedRequest,
        skip: str | None = None,
        columns: str = "",
    ) -> tuple[str, list[Any]]:
        """``SELECT id, score, <columns>, ... FROM generation WHERE ...``, the part every
        statement shares, and its parameters; ``skip``: a filter left out."""
        where, params = self._where(match, checked, skip)
        sql = f"SELECT {self._select(checked, columns)} FROM {generation}"
        return (f"{sql} WHERE {where}" if where else sql), params

    def _options(self) -> str:
        """The cluster's own ranking, which picks the candidates (and orders results
        beyond them): per field, its weight times the matched words' IDF (cluster-wide,
        from global.idf) times their mean occurrences saturated as BM25 saturates (k1).
        Sphinx 2.2's bm25f() and bm25a() need field lengths, which its real-time indexes
        do not keep (they return a constant there), so there is no length normalisation.
        Field weights are whole numbers: ours times ten."""
        s = self.settings
        k1 = s.bm25_k1
        weights = {
            "title": s.title_boost,
            "body": s.body_boost,
            "title_bigram": s.title_boost * s.bigram_boost,
            "body_bigram": s.body_boost * s.bigram_boost,
        }
        field_weights = ", ".join(f"{name}={round(10 * w)}" for name, w in weights.items())
        # The matched words' mean frequency, saturated, times the sum of their IDFs:
        # a field holding more of the words scores more (dividing the sum by the word
        # count instead cost long queries: KorQuAD MRR@10 0.49 against 0.60).
        frequency = "(hit_count/word_count)"
        saturated = f"{frequency}*{k1 + 1:g}/({frequency}+{k1:g})"
        # A word in most documents has a negative IDF here (a field matching only such
        # words made the sum negative, read back as 2^32 - 1), and WEIGHT() is a whole
        # number: negative sums count as none, and the sum is scaled to keep its fraction.
        idf = "IF(sum_idf > 0, sum_idf, 0)"
        expression = f"sum(user_weight*{idf}*{saturated})*{WEIGHT_SCALE}"
        return (
            f"OPTION ranker=expr('{expression}'), idf='plain,tfidf_unnormalized', "
            f"field_weights=({field_weights}), global_idf=1"
        )

    def _count(self, asked: _Asked, match: str, checked: CheckedRequest) -> tuple[int, str]:
        """How many documents match, and the aggregator's warning (a shard missing)."""
        sql, params = self._statement(asked.generation, match, checked)
        known = asked.counted.get((sql, *params))
        if known is not None:
            return known  # the same statement earlier in this request (no filters)
        with asked.connection.cursor() as cursor:
            # Only the count is read: no ranking, and a queue of one match (the default
            # of 1,000 made a count ten times slower).
            cursor.execute(sql + " LIMIT 0 OPTION ranker=none, max_matches=1", params)
            cursor.execute("SHOW META")
            meta = dict(cursor.fetchall())
        counted = int(meta.get("total_found", 0)), str(meta.get("warning", ""))
        asked.counted[(sql, *params)] = counted
        return counted

    def _ids(self, asked: _Asked, match: str, checked: CheckedRequest, count: int) -> list[int]:
        """The cluster ids of the first ``count`` matches."""
        return [int(row[0]) for row in self._rows(asked, match, checked, [], 0, count, "")]

    def _rows(
        self,
        asked: _Asked,
        match: str,
        checked: CheckedRequest,
        preferred: list[int],
        start: int,
        count: int,
        columns: str,
    ) -> list[tuple]:
        """Matches ``start`` to ``start + count`` in the cluster's order (relevance, or
        the date sort): rows of id, score and ``columns``."""
        if count <= 0:
            return []
        first = f", IN(id, {', '.join(map(str, preferred))}) AS preferred" if preferred else ""
        sql, params = self._statement(asked.generation, match, checked, columns=columns)
        sql = sql.replace(" FROM ", first + " FROM ", 1)
        if checked.sort == "relevance" and match:
            order = ("preferred DESC, " if preferred else "") + "score DESC, id ASC"
        elif checked.sort == "oldest":
            order = "dated ASC, score DESC, id ASC"
        else:
            order = "dated DESC, score DESC, id ASC"
        sql += f" ORDER BY {order} LIMIT {start}, {count} "
        sql += self._options() + f", max_matches={start + count}"
        with asked.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _stored(self, asked: _Asked, ids: list[int]) -> list[tuple]:
        """Rows of id, score (1), doc_id and stored of the documents ``ids``."""
        columns = "WEIGHT() AS score, doc_id, stored"
        return list(rows_by_id(asked.connection, asked.generation, columns, ids))

    def _titles(self, asked: _Asked, ids: list[int]) -> list[str]:
        titles = {
            int(row[0]): json.loads(row[3]).get("title", "") for row in self._stored(asked, ids)
        }
        return [titles.get(i, "") for i in ids]

    def _facet(
        self,
        asked: _Asked,
        match: str,
        checked: CheckedRequest,
        name: str,
        names: dict[int, str],
    ) -> Facet:
        # Disjunctive: the facet's own selection does not narrow its counts.
        sql, params = self._statement(
            asked.generation, match, checked, skip=name, columns=f"COUNT(*) AS n, {name} AS value"
        )
        sql += (
            f" GROUP BY {name} ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES} "
            + f"OPTION ranker=none, max_matches={MAX_FACET_VALUES}"
        )
        with asked.connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        counts: dict[str, int] = {}
        spec = field_named(name)
        for row in rows:
            count, value = row[2], row[3]
            if not value:
                continue
            label = str(value) if spec.kind == "year" else names.get(int(value))
            if label:
                counts[label] = counts.get(label, 0) + int(count)
        return facet_of(name, counts, checked.filters.get(name, ()), checked.facet_size)

    def _value_names(self, asked: _Asked) -> dict[int, str]:
        """Facet and filter values by id, read again after every write (a reindex may
        name new ones)."""
        key = f"{asked.generation}:{asked.totals.written_ns}"
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

    def _hit(
        self,
        row: tuple,
        score: float | None,
        marked_by: Q.Query | None,
        unmarked: frozenset[str],
    ) -> Hit:
        """A hit of a row of id, score, doc_id and stored; ``marked_by``: the query whose
        matches are marked (None: no marks), but not the terms ``unmarked``."""
        stored = json.loads(row[3])
        title, body = stored.get("title", ""), stored.get("body", "")
        marked_title = marked_field(
            self.schema, marked_by, "title", title, title_highlighter(), 1, unmarked
        )
        snippet = marked_field(
            self.schema,
            marked_by,
            "body",
            body,
            body_highlighter(self.settings.snippet_chars),
            2,
            unmarked,
            window_chars=SNIPPET_WINDOW * self.settings.snippet_chars,
        )
        return Hit(
            id=row[2],
            marked_title=marked_title or plain_snippet(title, MAX_TITLE_CHARS),
            snippet=snippet or plain_snippet(body, self.settings.snippet_chars),
            score=round(score, 4) if score is not None else None,
            fields=hit_fields(stored),
        )


@dataclass(frozen=True)
class _Asked:
    """One request's connection to the aggregator and the generation it reads."""

    connection: Any
    generation: str
    started: float
    totals: CollectionStats  # the generation's documents and lengths, and when written
    counted: dict[tuple, tuple[int, str]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, connection: Any, started: float) -> _Asked:
        generation = serving_generation(connection)
        return cls(connection, generation, started, read_totals(connection, generation))


def _document_row(connection: Any, generation: str, doc_id: str, columns: str) -> tuple | None:
    """``columns`` of the document ``doc_id``, or None when the generation does not hold
    it (rows are found by the id's hash; the id itself confirms the row)."""
    for row in rows_by_id(connection, generation, f"doc_id, {columns}", [stable_id(doc_id)]):
        if row[1] == doc_id:
            return tuple(row[2:])
    return None


def _bound(date: str, low: bool) -> str:
    """yyyy, yyyy-mm or yyyy-mm-dd as the first (``low``) or last yyyymmdd it covers."""
    if not date:
        return "00000000" if low else "99999999"
    parts = date.split("-")
    year = parts[0]
    month = parts[1] if len(parts) > 1 else ("01" if low else "12")
    day = parts[2] if len(parts) > 2 else ("01" if low else "31")
    return year + month + day
