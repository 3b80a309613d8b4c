"""The text part of a request as queries: the words typed (or raw syntax), the any-word
query to relax to, each word's own query for counting, and the notices about them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Collection

from whoosh import query as Q

from indexer.config import Settings
from indexer.deadline import NO_DEADLINE, Deadline
from indexer.messages import Notice
from indexer.query.builder import QueryBuilder, Weights
from indexer.query.parsing import ParsedQuery, is_filter, parse_user_query
from indexer.query.rawquery import bound_expansions, parse_raw_query
from indexer.query.synonyms import load_glossary, load_thesaurus
from indexer.reading.documents import normalize_text


def query_builder(schema, weights: Weights, settings: Settings) -> QueryBuilder:
    """The builder of the settings: weights, and synonyms unless turned off."""
    thesaurus = (
        load_thesaurus(settings.synonyms, settings.synonyms_file)
        if settings.synonyms or settings.synonyms_file
        else None
    )
    glossary = load_glossary() if settings.translations else None
    return QueryBuilder(
        schema,
        weights,
        thesaurus,
        settings.synonym_weight,
        glossary,
        settings.translation_weight,
        optional_non_nouns=settings.optional_non_noun_words,
    )


@dataclass
class TextQuery:
    """The text part of a request: its query and, for a short query that needs every
    word, the any-word query to fall back on when too few documents have them all."""

    query: Q.Query | None
    relaxed: Q.Query | None = None
    notices: list[Notice] = field(default_factory=list)
    # For relaxing: each word's query (made only when a query is relaxed), and the
    # share of the words (of those found in the index) a document needs.
    words: Callable[[], list[Q.Query]] = list
    min_word_fraction: float = 0.0
    # field:value written in the text, searched as the filter of that field (year:2014
    # means what the filter year=2014 means).
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: str | None = None  # the text without those filters (None: as typed)


def text_query(
    builder: QueryBuilder,
    text: str,
    raw: bool,
    reader,
    settings: Settings,
    deadline: Deadline = NO_DEADLINE,
    filtered_fields: Collection[str] = (),
) -> TextQuery:
    """The query of the words typed (or, with ``raw``, of Whoosh's query syntax).
    ``filtered_fields``: fields the request already filters, whose field:value stays a
    required term of the query (both must hold)."""
    notices: list[Notice] = []
    text = normalize_text(text)  # as documents were: NFC, no invisible characters
    if raw and text.strip():
        query = parse_raw_query(reader.schema, text)
        if query is not None:
            query, bound_notices = bound_expansions(
                query, reader, settings.max_expansions, deadline
            )
            return TextQuery(query, notices=notices + bound_notices)
        notices.append(Notice("raw_unparsed"))
    parsed = parse_user_query(text, settings.max_query_words)
    notices.extend(parsed.notices)
    filters: dict[str, tuple[str, ...]] = {}
    if settings.strict_field_prefixes:
        parsed, filters, text = text_filters(parsed, filtered_fields, text)
    for word, synonyms in builder.expansions.synonyms_used(parsed):
        notices.append(Notice("synonyms", {"word": word, "synonyms": ", ".join(synonyms)}))
    for word, korean in builder.expansions.synonyms_used(parsed, glossary=True):
        notices.append(Notice("translated", {"word": word, "translations": ", ".join(korean)}))
    # A Korean word widened into English words says so too (청년: youth, young).
    for word, english in builder.expansions.synonyms_used(parsed, True, from_english=False):
        params = {"word": word, "translations": ", ".join(english)}
        notices.append(Notice("translated_to_english", params))
    # Long queries read like questions or headlines: few documents hold every word.
    strict = settings.strict_field_prefixes
    words = builder.positive_clause_count(parsed, strict)
    query = builder.build(parsed, any_word=words > settings.and_max_words, strict_fields=strict)
    if query is None:
        if parsed.clauses:
            return TextQuery(Q.NullQuery, notices=notices + [Notice("nothing_searchable")])
        return TextQuery(None, notices=notices, filters=filters, text=text)
    if words <= 1:
        return TextQuery(query, notices=notices, filters=filters, text=text)
    relaxed = builder.build(parsed, any_word=True, strict_fields=strict)
    fraction = settings.relaxed_min_word_fraction
    word_queries = partial(builder.word_queries, parsed, strict)
    return TextQuery(query, relaxed, notices, word_queries, fraction, filters, text)


def text_filters(
    parsed: ParsedQuery, filtered_fields: Collection[str], text: str
) -> tuple[ParsedQuery, dict[str, tuple[str, ...]], str]:
    """The clauses without the field:value filters that become the request's filters,
    those filters, and ``text`` (the text parsed) without them: one value of a filter
    field the request does not filter already (two values of one field, or one the
    request filters too, stay required terms: both must hold, where a filter's values
    mean any of them)."""
    counts = Counter(c.field for c in parsed.clauses if is_filter(c) and not c.negated)
    chosen = [
        c
        for c in parsed.clauses
        if is_filter(c)
        and not c.negated
        and counts[c.field] == 1
        and c.field not in filtered_fields
    ]
    if not chosen:
        return parsed, {}, text
    rest = [c for c in parsed.clauses if c not in chosen]
    for clause in sorted(chosen, key=lambda c: c.span or (0, 0), reverse=True):
        if clause.span is not None:
            start, end = clause.span
            text = text[:start] + " " + text[end:]
    filters: dict[str, tuple[str, ...]] = {c.field: (c.text,) for c in chosen}
    return ParsedQuery(rest, parsed.notices), filters, " ".join(text.split())
