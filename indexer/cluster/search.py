"""Searching the cluster through its aggregator: the request checked as for the Whoosh
backend, the words analysed by the same analyzer, BM25F with our field weights and the
cluster-wide document frequencies, filters, disjunctive facets, sorting and paging.

A shard that does not answer leaves its documents out: the aggregator still answers
from the others, and the result carries a notice saying so.
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

from ..config import Settings
from ..facets import Facet, facet_of
from ..fields import FACET_FIELDS, field_named
from ..highlight import Snippet
from ..messages import Notice
from ..query import Weights
from ..request import CheckedRequest, SearchRequest, validate
from ..results import Hit, SearchResult, hit_fields
from ..schema import build_schema
from ..textquery import query_builder, text_query
from .backend import TIMEOUT_S, value_id
from .layout import ClusterLayout
from .nodeconfig import VALUES_INDEX
from .querytext import Untranslatable, escaped, sphinx_query
from .sphinxql import connect, serving_generation

MAX_FACET_VALUES = 1000


class ClusterSearcher:
    def __init__(self, layout: ClusterLayout, settings: Settings) -> None:
        self.layout = layout
        self.settings = settings
        schema = build_schema(settings)
        self.analyzer = schema["body"].analyzer
        weights = Weights(settings.title_boost, settings.body_boost, settings.bigram_boost)
        self.builder = query_builder(schema, weights, settings)
        self._names: dict[str, dict[int, str]] = {}  # generation -> value id -> value

    def search(self, request: SearchRequest, export_rows: int = 0) -> SearchResult:
        """As SearchIndex.search; ``export_rows``: one page of that many, no facets."""
        started = time.perf_counter()
        checked = validate(request, self.settings)
        if export_rows:
            checked = dataclasses.replace(
                checked, page=1, size=export_rows, highlight=False, facets=False
            )
        match, relaxed_match, text_notices = self._matches(checked)
        with connect(self.layout.aggregator, TIMEOUT_S) as connection:
            generation = serving_generation(connection)
            names = self._value_names(connection, generation)
            total, warning = self._count(connection, generation, match, checked, skip=None)
            relaxed, all_words, preferred = False, None, []
            if relaxed_match and total < self.settings.min_all_word_hits:
                # Documents with every word first, then those with some of them.
                relaxed, all_words = True, total
                preferred = self._ids(connection, generation, match, checked, total)
                match = relaxed_match
                total, warning = self._count(connection, generation, match, checked, skip=None)
            rows = self._page(connection, generation, match, checked, preferred)
            facets = (
                [
                    self._facet(connection, generation, match, checked, name, names)
                    for name in FACET_FIELDS
                ]
                if checked.facets
                else []
            )
        notices = [*checked.notices, *text_notices]
        if warning:
            notices.append(Notice("cluster_partial", {}))
        hits = [self._hit(row) for row in rows]
        return SearchResult.answering(
            checked,
            request.q or "",
            total,
            hits,
            facets,
            started,
            relaxed=relaxed,
            all_words_total=all_words,
            notices=notices,
        )

    # -- the statement's parts -----------------------------------------------------------

    def _matches(self, checked: CheckedRequest) -> tuple[str, str, list[Notice]]:
        """The query and its any-word fallback (empty when none) as Sphinx queries, and
        the notices of the words (synonyms, translations)."""
        if not checked.text.strip():
            return "", "", []
        if not checked.raw:
            text = text_query(self.builder, checked.text, False, None, self.settings)
            try:
                match = sphinx_query(text.query) if text.query is not None else ""
                relaxed = sphinx_query(text.relaxed) if text.relaxed is not None else ""
                return match, relaxed, list(text.notices)
            except Untranslatable:
                pass
        # Raw syntax, or filters written in the text: the words alone.
        words = list(
            dict.fromkeys(
                t.text for t in self.analyzer(checked.text, mode="query") if not t.is_part
            )
        )
        if not words:
            return "", "", []
        joined = " ".join(escaped(word) for word in words)
        return f"@(title,body) {joined}", f'@(title,body) "{joined}"/1', []

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
                ids = [int(v) for v in values if v.isdigit()] or [-1]
            else:
                ids = [value_id(name, value) for value in values]
            clauses.append(f"{name} IN ({', '.join(str(i) for i in ids)})")
        if checked.date_from or checked.date_to:
            clauses.append("in_range = 1")
        return " AND ".join(clauses), params

    def _select(self, checked: CheckedRequest, extra: str = "") -> str:
        parts = ["id", "doc_id", "stored", "WEIGHT() AS score"]
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
        return ", ".join(parts) + extra

    def _statement(
        self,
        generation: str,
        match: str,
        checked: CheckedRequest,
        skip: str | None = None,
        columns: str = "",
    ) -> tuple[str, list[Any]]:
        """``SELECT ... FROM generation WHERE ...``, the part every statement shares, and
        its parameters; ``skip``: a filter left out, ``columns``: more to select."""
        where, params = self._where(match, checked, skip)
        sql = f"SELECT {self._select(checked, columns)} FROM {generation}"
        return (f"{sql} WHERE {where}" if where else sql), params

    def _options(self) -> str:
        """The ranking: per field, its weight times the matched words' IDF (cluster-wide,
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
        expression = f"sum(user_weight*sum_idf*{saturated})"
        return (
            f"OPTION ranker=expr('{expression}'), idf='plain,tfidf_unnormalized', "
            f"field_weights=({field_weights}), global_idf=1"
        )

    def _count(
        self,
        connection: Any,
        generation: str,
        match: str,
        checked: CheckedRequest,
        skip: str | None,
    ) -> tuple[int, str]:
        sql, params = self._statement(generation, match, checked, skip)
        with connection.cursor() as cursor:
            cursor.execute(sql + " LIMIT 0 " + self._options(), params)
            cursor.execute("SHOW META")
            meta = dict(cursor.fetchall())
        return int(meta.get("total_found", 0)), str(meta.get("warning", ""))

    def _ids(
        self, connection: Any, generation: str, match: str, checked: CheckedRequest, count: int
    ) -> list[int]:
        """The cluster ids of the first ``count`` matches."""
        if not count:
            return []
        sql, params = self._statement(generation, match, checked)
        sql += f" ORDER BY score DESC, id ASC LIMIT {count} " + self._options()
        sql += f", max_matches={max(1000, count)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [int(row[0]) for row in cursor.fetchall()]

    def _page(
        self,
        connection: Any,
        generation: str,
        match: str,
        checked: CheckedRequest,
        preferred: list[int],
    ) -> list[tuple]:
        first = f", IN(id, {', '.join(map(str, preferred))}) AS preferred" if preferred else ""
        sql, params = self._statement(generation, match, checked, columns=first)
        if checked.sort == "relevance" and match:
            order = ("preferred DESC, " if preferred else "") + "score DESC, id ASC"
        elif checked.sort == "oldest":
            order = "dated ASC, score DESC, id ASC"
        else:
            order = "dated DESC, score DESC, id ASC"
        offset = (checked.page - 1) * checked.size
        sql += f" ORDER BY {order} LIMIT {offset}, {checked.size} "
        sql += self._options() + f", max_matches={max(1000, offset + checked.size)}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())

    def _facet(
        self,
        connection: Any,
        generation: str,
        match: str,
        checked: CheckedRequest,
        name: str,
        names: dict[int, str],
    ) -> Facet:
        # Disjunctive: the facet's own selection does not narrow its counts.
        sql, params = self._statement(
            generation, match, checked, skip=name, columns=f", COUNT(*) AS n, {name} AS value"
        )
        sql += (
            f" GROUP BY {name} ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES} "
            + self._options()
            + f", max_matches={MAX_FACET_VALUES}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        counts: dict[str, int] = {}
        spec = field_named(name)
        for row in rows:
            count, value = row[-2], row[-1]
            if not value:
                continue
            label = str(value) if spec.kind == "year" else names.get(int(value))
            if label:
                counts[label] = counts.get(label, 0) + int(count)
        return facet_of(name, counts, checked.filters.get(name, ()), checked.facet_size)

    def _value_names(self, connection: Any, generation: str) -> dict[int, str]:
        if generation not in self._names:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, generation, value FROM {VALUES_INDEX} "
                    "LIMIT 1000000 OPTION max_matches=1000000"
                )
                self._names = {
                    generation: {int(i): v for i, g, v in cursor.fetchall() if g == generation}
                }
        return self._names[generation]

    def _hit(self, row: tuple) -> Hit:
        stored = json.loads(row[2])
        body = stored.get("body", "")
        snippet = body[: self.settings.snippet_chars]
        return Hit(
            id=row[1],
            marked_title=Snippet(stored.get("title", "")),
            snippet=Snippet(snippet),
            score=float(row[3]),
            fields=hit_fields(stored),
        )


def _bound(date: str, low: bool) -> str:
    """yyyy, yyyy-mm or yyyy-mm-dd as the first (``low``) or last yyyymmdd it covers."""
    if not date:
        return "00000000" if low else "99999999"
    parts = date.split("-")
    year = parts[0]
    month = parts[1] if len(parts) > 1 else ("01" if low else "12")
    day = parts[2] if len(parts) > 2 else ("01" if low else "31")
    return year + month + day
