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
from indexer.query.expansions import BOTH_WAYS, ENGLISH_TO_KOREAN, FROM_KOREAN, Directions
from indexer.query.forms import WordForms, translation_evidence, word_forms, word_queries
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
    """The text part of a request: its matches (every word, or a question's content
    words, with their synonyms) and the wider query of its related results (any of
    the words, and their translations)."""

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
    # Related results follow the matches however many there are: a question, or words
    # with translations (else only when the matches are few: min_all_word_hits).
    always_related: bool = False
    forms: Callable[[], list[WordForms]] = list  # each counted word's forms, for reasons
    # What the query's vector is computed from (None: the text): see meaning_text.
    meaning_text: str | None = None


def text_query(
    builder: QueryBuilder,
    text: str,
    raw: bool,
    reader,
    settings: Settings,
    deadline: Deadline = NO_DEADLINE,
    filtered_fields: Collection[str] = (),
    translated: Directions = ENGLISH_TO_KOREAN,
) -> TextQuery:
    """The query of the words typed (or, with ``raw``, of Whoosh's query syntax).
    ``filtered_fields``: fields the request already filters, whose field:value stays a
    required term of the query (both must hold); ``translated``: the directions the
    glossary widens the related results in."""
    notices: list[Notice] = []
    text = normalize_text(text)  # as documents were: NFC, no invisible characters
    if raw and text.strip():
        query = parse_raw_query(reader.schema, text)
        if query is not None:
            query, bounded = bound_expansions(query, reader, settings.max_expansions, deadline)
            return TextQuery(query, notices=notices + bounded)
        notices.append(Notice("raw_unparsed"))
    parsed = parse_user_query(text, settings.max_query_words)
    notices.extend(parsed.notices)
    filters: dict[str, tuple[str, ...]] = {}
    if settings.strict_field_prefixes:
        parsed, filters, text = text_filters(parsed, filtered_fields, text)
    translations = builder.expansions.translations_used(parsed, translated)
    notices.extend(expansion_notices(builder, parsed, translated, translations))
    # Long queries read like questions or headlines: their matches hold every content
    # word, and documents with any of the words follow as related results.
    strict, evidence = settings.strict_field_prefixes, english_evidence(builder, parsed, translated)
    words = builder.positive_clause_count(parsed, strict)
    question = words > settings.and_max_words
    query = builder.build(parsed, False, strict, content_words=question, evidence=evidence)
    if query is None:
        if parsed.clauses:
            return TextQuery(Q.NullQuery, notices=notices + [Notice("nothing_searchable")])
        return TextQuery(None, notices=notices, filters=filters, text=text)
    forms = partial(word_forms, builder, parsed, strict, translated)
    if words <= 1 and not translations:
        return similarly_spelt(builder, parsed, query, notices, filters, text, forms, settings)
    # One word is widened by its translations only; several, to any of the words too.
    relaxed = builder.build(parsed, words > 1, strict, translated, evidence=evidence)
    # A question's related results are any of its words, as every result was before
    # there were tiers; a short query's need enough of them.
    fraction = 0.0 if question else settings.relaxed_min_word_fraction
    return TextQuery(
        query,
        relaxed,
        notices,
        partial(word_queries, builder, parsed, strict, translated),
        fraction,
        filters,
        text,
        always_related=question or bool(translations),
        forms=forms,
        meaning_text=meaning_text(text, translations),
    )


def meaning_text(text: str, translations: list[tuple[str, tuple[str, ...]]]) -> str:
    """The text a query's vector is computed from: the text, then the Korean
    translations of the words typed in English. multilingual-e5-small places a short
    English query far from the Korean documents it means: on bench/judged/english.tsv
    (written before this was tried) the vectors alone found the relevant document at
    MRR@10 0.25 from the English text and 0.40 with its translations added; Korean
    words are embedded as typed."""
    korean = [word for typed, found in translations if typed.isascii() for word in found]
    return " ".join([text, *dict.fromkeys(korean)]) if korean else text


# A word's related results are documents spelt like it: holding this share of its
# bigrams (a typo changes one or two of them; 3 of 4, 5 of 7).
SIMILAR_SPELLING_SHARE = 0.6
MAX_SIMILAR_SPELLING_BIGRAMS = 8  # longer words: every choice of bigrams is too many (the cluster)


def similarly_spelt(
    builder: QueryBuilder,
    parsed: ParsedQuery,
    query: Q.Query,
    notices: list[Notice],
    filters: dict[str, tuple[str, ...]],
    text: str,
    forms: Callable[[], list[WordForms]],
    settings: Settings,
) -> TextQuery:
    """The query of one word, whose related results (when it has few matches) are the
    documents holding most of its bigrams, as a character-bigram engine finds a typo or
    a word spaced otherwise; a word of fewer than three syllables has none."""
    word = next((c for c in parsed.clauses if not c.negated), None)
    pairs = builder.terms.letter_pairs(word.text) if word is not None and not word.field else []
    if not 2 <= len(pairs) <= MAX_SIMILAR_SPELLING_BIGRAMS:
        return TextQuery(query, notices=notices, filters=filters, text=text, forms=forms)
    relaxed = builder.build(parsed, any_word=True, strict_fields=settings.strict_field_prefixes)
    return TextQuery(
        query,
        relaxed,
        notices,
        lambda: pairs,
        SIMILAR_SPELLING_SHARE,
        filters,
        text,
        forms=forms,
    )


def english_evidence(
    builder: QueryBuilder, parsed: ParsedQuery, translated: Directions
) -> Q.Query | None:
    """Korean words not widened into English still rank by their English translations
    in the documents found (bilingual budget records): score only, never more documents.
    None when the Korean words are widened anyway, or nothing is translated."""
    if translated.from_english and not translated.from_korean:
        return translation_evidence(builder, parsed, FROM_KOREAN)
    return None


def expansion_notices(
    builder: QueryBuilder,
    parsed: ParsedQuery,
    translated: Directions,
    translations: list[tuple[str, tuple[str, ...]]],
) -> list[Notice]:
    """What the synonyms and ``translations`` (each word's, as synonyms_used gives them)
    added to the query, and, when Korean words are not translated, that they were not."""
    notices = []
    for word, synonyms in builder.expansions.synonyms_used(parsed):
        notices.append(Notice("synonyms", {"word": word, "synonyms": ", ".join(synonyms)}))
    for word, found in translations:
        code = "translated" if word.isascii() else "translated_to_english"
        notices.append(Notice(code, {"word": word, "translations": ", ".join(found)}))
    if translated.from_korean or not translated.from_english:
        return notices
    offered = [
        (word, found)
        for word, found in builder.expansions.translations_used(parsed, BOTH_WAYS)
        if not word.isascii()
    ]
    if offered:  # Korean words are not widened into English unless asked: say what could be
        params = {
            "word": ", ".join(word for word, _ in offered),
            "translations": ", ".join(w for _, found in offered for w in found),
        }
        notices.append(Notice("translations_offered", params))
    return notices


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
