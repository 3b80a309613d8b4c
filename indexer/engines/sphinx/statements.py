"""SphinxQL statements of one request on the cluster's aggregator: the filters and date
range as WHERE clauses, the ranking options, counts, rows in the cluster's order,
stored documents and facet counts.

A shard that does not answer leaves its documents out: the aggregator still answers
from the others with a warning, which the request keeps (a notice says so).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from indexer.config import Settings
from indexer.engines.sphinx.ids import stable_id, value_id
from indexer.engines.sphinx.sphinxql import rows_by_id, serving_generation
from indexer.engines.sphinx.termstats import CollectionStats, read_totals
from indexer.fields import field_named
from indexer.model.facets import Facet, facet_of
from indexer.model.request import CheckedRequest
from indexer.search.evaluation import bm25f_parameters

MAX_FACET_VALUES = 1000
WEIGHT_SCALE = 1000  # the cluster's own ranking is read back as a whole number
RANKED_FIELDS = ("title", "body", "title_bigram", "body_bigram")
FIELD_CODES = 4  # field numbers carried in the weights (ranking_options)


@dataclass(frozen=True)
class Asked:
    """One request's connection to the aggregator and the generation it reads."""

    connection: Any
    generation: str
    started: float
    totals: CollectionStats  # the generation's documents and lengths, and when written
    counted: dict[tuple, int] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)  # shards missing

    @classmethod
    def of(cls, connection: Any, started: float) -> Asked:
        generation = serving_generation(connection)
        return cls(connection, generation, started, read_totals(connection, generation))

    @property
    def state_key(self) -> str:
        """Changes with every write: what is cached per cluster state is keyed by it."""
        return f"{self.generation}:{self.totals.written_ns}"


def ranking_options(settings: Settings, totals: CollectionStats) -> str:
    """The cluster's own ranking, which picks the candidates (and orders results beyond
    them): BM25F per field as the Whoosh backend scores, on what Sphinx 2.2 offers per
    field (the matched words' summed IDF, cluster-wide from global.idf, and their mean
    occurrences): the occurrences saturated by the field's K1 and normalised by its
    length (an attribute of each document: real-time indexes keep no field lengths
    for bm25f()) against the average, times the field's weight and the IDF.

    Sphinx tells the expression a field only by its weight, so each field's weight
    carries its number: weight * 100 * FIELD_CODES + number."""
    parameters = bm25f_parameters(settings)
    weights = field_weights(settings)
    per_field = []
    for number, name in enumerate(RANKED_FIELDS):
        B, K1 = parameters.of(name)
        average = max(totals.average_length(name), 1.0)
        frequency = "(hit_count/word_count)"
        norm = f"({1 - B:g}+{B:g}*{name}_length/{average:.4f})"
        saturated = f"{frequency}*{K1 + 1:g}/({frequency}+{K1:g}*{norm})"
        # Whoosh's IDF is Sphinx's plain one plus 1, per matched word: sum_idf +
        # word_count (a word in most documents has a negative plain IDF; a sum below
        # zero would be read back as 2^32 - 1).
        idf = "IF(sum_idf + word_count > 0, sum_idf + word_count, 0)"
        per_field.append((number, f"{weights[name]:g}*{idf}*{saturated}"))
    field_number = f"(user_weight-{FIELD_CODES}*IDIV(user_weight,{FIELD_CODES}))"
    expression = per_field[-1][1]
    for number, term in reversed(per_field[:-1]):
        expression = f"IF({field_number}={number}, {term}, {expression})"
    coded = ", ".join(
        f"{name}={round(100 * weights[name]) * FIELD_CODES + number}"
        for number, name in enumerate(RANKED_FIELDS)
    )
    # WEIGHT() is a whole number: the sum is scaled to keep its fraction.
    return (
        f"OPTION ranker=expr('sum({expression})*{WEIGHT_SCALE}'), "
        f"idf='plain,tfidf_unnormalized', field_weights=({coded}), global_idf=1"
    )


def field_weights(settings: Settings) -> dict[str, float]:
    """Each searched field's weight, as the Whoosh backend's query builder boosts it."""
    return {
        "title": settings.title_boost,
        "body": settings.body_boost,
        "title_bigram": settings.title_boost * settings.bigram_boost,
        "body_bigram": settings.body_boost * settings.bigram_boost,
    }


@dataclass(frozen=True)
class ClusterQuery:
    """A query as the cluster runs it: a MATCH() text ("" for every document) and the
    field:value terms the text required (attribute conditions, never skipped)."""

    match: str
    required: tuple[tuple[str, str], ...] = ()
    excluded: tuple[tuple[str, str], ...] = ()  # -category:X


def statement(
    generation: str,
    query: ClusterQuery,
    checked: CheckedRequest,
    skip: str | None = None,
    columns: str = "",
) -> tuple[str, list[Any]]:
    """``SELECT id, score, <columns>, ... FROM generation WHERE ...``, the part every
    statement shares, and its parameters; ``skip``: a filter left out."""
    where, params = _where(query, checked, skip)
    sql = f"SELECT {_select(checked, columns)} FROM {generation}"
    return (f"{sql} WHERE {where}" if where else sql), params


def _where(query: ClusterQuery, checked: CheckedRequest, skip: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if query.match:
        clauses.append("MATCH(%s)")
        params.append(query.match)
    for name, values in checked.filters.items():
        if name != skip and values:
            clauses.append(_any_of(name, values))
    for name, value in query.required:
        clauses.append(_any_of(name, [value]))
    for name, value in query.excluded:
        clauses.append(_any_of(name, [value], negated=True))
    if checked.date_from or checked.date_to:
        clauses.append("in_range = 1")
    return " AND ".join(clauses), params


def _any_of(name: str, values: list[str] | tuple[str, ...], negated: bool = False) -> str:
    """The attribute condition: the document has one of ``values`` in field ``name``
    (``negated``: none of them)."""
    if field_named(name).kind == "year":
        ids = [int(v) for v in values if v.isascii() and v.isdigit()] or [-1]
    else:
        ids = [value_id(name, value) for value in values]
    return f"{name} {'NOT IN' if negated else 'IN'} ({', '.join(str(i) for i in ids)})"


def _select(checked: CheckedRequest, columns: str) -> str:
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


def _bound(date: str, low: bool) -> str:
    """yyyy, yyyy-mm or yyyy-mm-dd as the first (``low``) or last yyyymmdd it covers."""
    if not date:
        return "00000000" if low else "99999999"
    parts = date.split("-")
    year = parts[0]
    month = parts[1] if len(parts) > 1 else ("01" if low else "12")
    day = parts[2] if len(parts) > 2 else ("01" if low else "31")
    return year + month + day


def count(asked: Asked, query: ClusterQuery, checked: CheckedRequest) -> int:
    """How many documents match (a missing shard's warning is kept in ``asked``)."""
    sql, params = statement(asked.generation, query, checked)
    key = (sql, *params)
    known = asked.counted.get(key)
    if known is not None:
        return known  # the same statement earlier in this request
    with asked.connection.cursor() as cursor:
        # Only the count is read: no ranking, and a queue of one match (the default
        # of 1,000 made a count ten times slower).
        cursor.execute(sql + " LIMIT 0 OPTION ranker=none, max_matches=1", params)
        cursor.execute("SHOW META")
        meta = dict(cursor.fetchall())
    warning = str(meta.get("warning", ""))
    if warning:
        asked.warnings.append(warning)
    asked.counted[key] = int(meta.get("total_found", 0))
    return asked.counted[key]


def rows(
    asked: Asked,
    settings: Settings,
    query: ClusterQuery,
    checked: CheckedRequest,
    preferred: list[int],
    start: int,
    number: int,
    columns: str,
) -> list[tuple]:
    """Matches ``start`` to ``start + number`` in the cluster's order (relevance, or
    the date sort), those in ``preferred`` first: rows of id, score and ``columns``."""
    if number <= 0:
        return []
    first = f", IN(id, {', '.join(map(str, preferred))}) AS preferred" if preferred else ""
    sql, params = statement(asked.generation, query, checked, columns=columns)
    sql = sql.replace(" FROM ", first + " FROM ", 1)
    if checked.sort == "relevance" and query.match:
        order = ("preferred DESC, " if preferred else "") + "score DESC, id ASC"
    else:  # by date, the matches first when related results follow
        direction = "ASC" if checked.sort == "oldest" else "DESC"
        order = ("preferred DESC, " if preferred else "") + f"dated {direction}, score DESC, id ASC"
    sql += f" ORDER BY {order} LIMIT {start}, {number} "
    sql += ranking_options(settings, asked.totals) + f", max_matches={start + number}"
    with asked.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def among(asked: Asked, query: ClusterQuery, ids: list[int], checked: CheckedRequest) -> set[int]:
    """Those of ``ids`` the query matches within the request's filters and dates."""
    if not ids:
        return set()
    where, params = _where(query, checked, None)
    listed = ", ".join(map(str, ids))
    sql = f"SELECT {_select(checked, '')} FROM {asked.generation} WHERE id IN ({listed})"
    sql += f" AND {where}" if where else ""
    sql += f" LIMIT {len(ids)} OPTION ranker=none, max_matches={len(ids)}"
    with asked.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(row[0]) for row in cursor.fetchall()}


def stored_rows(asked: Asked, ids: list[int]) -> list[tuple]:
    """Rows of id, score (1), doc_id and stored of the documents ``ids``."""
    columns = "WEIGHT() AS score, doc_id, stored"
    return list(rows_by_id(asked.connection, asked.generation, columns, ids))


def titles(asked: Asked, ids: list[int]) -> list[str]:
    by_id = {int(row[0]): json.loads(row[3]).get("title", "") for row in stored_rows(asked, ids)}
    return [by_id.get(i, "") for i in ids]


def facet(
    asked: Asked, query: ClusterQuery, checked: CheckedRequest, name: str, names: dict[int, str]
) -> Facet:
    """Facet ``name``'s counts; disjunctive: its own selection does not narrow them."""
    sql, params = statement(
        asked.generation, query, checked, skip=name, columns=f"COUNT(*) AS n, {name} AS value"
    )
    sql += (
        f" GROUP BY {name} ORDER BY COUNT(*) DESC LIMIT {MAX_FACET_VALUES} "
        + f"OPTION ranker=none, max_matches={MAX_FACET_VALUES}"
    )
    with asked.connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    counts: dict[str, int] = {}
    is_year = field_named(name).kind == "year"
    for row in found:
        number, value = row[2], row[3]
        if not value:
            continue
        label = str(value) if is_year else names.get(int(value))
        if label:
            counts[label] = counts.get(label, 0) + int(number)
    return facet_of(name, counts, checked.filters.get(name, ()), checked.facet_size)


def document_row(connection: Any, generation: str, doc_id: str, columns: str) -> tuple | None:
    """``columns`` of the document ``doc_id``, or None when the generation does not hold
    it (rows are found by the id's hash; the id itself confirms the row)."""
    for row in rows_by_id(connection, generation, f"doc_id, {columns}", [stable_id(doc_id)]):
        if row[1] == doc_id:
            return tuple(row[2:])
    return None
