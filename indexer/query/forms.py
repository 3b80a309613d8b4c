"""A query's counted words (not excluded, not a filter, not a function word) and the
queries of each: whether a document holds it at all (to count a relaxed query's words),
and the forms it can hold it in (the word itself, each synonym, each translation), read
to say why a hit was found (search/reasons.py)."""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as Q

from indexer.query.builder import QueryBuilder
from indexer.query.expansions import NONE, Directions
from indexer.query.parsing import Clause, ParsedQuery, is_filter


@dataclass(frozen=True)
class WordForms:
    """The ways a document can hold one typed word: the word itself (its morphemes,
    spacing variants and compound parts), each of its synonyms, each of its
    translations. What a hit's reasons are read from (search/reasons.py)."""

    word: str
    typed: Q.Query | None
    synonyms: tuple[tuple[str, Q.Query], ...] = ()
    translations: tuple[tuple[str, Q.Query], ...] = ()


def counted_words(builder: QueryBuilder, parsed: ParsedQuery, strict_fields: bool) -> list[Clause]:
    """The words a document is counted as holding: not excluded, not a filter (with
    ``strict_fields``), not a function word (context.function_words)."""
    function_words = builder.context.function_words(parsed)
    return [
        c
        for c in parsed.clauses
        if not c.negated and not (strict_fields and is_filter(c)) and c not in function_words
    ]


def word_queries(
    builder: QueryBuilder,
    parsed: ParsedQuery,
    strict_fields: bool = False,
    translated: Directions = NONE,
) -> list[Q.Query]:
    """Each counted word's own query (any of its morphemes, or all its bigrams, a
    synonym or a translation): whether a document holds that word, for counting the
    words of a relaxed query."""
    in_context = builder.context.morphemes_in_context(parsed)
    expansions = builder.expansions.of(parsed, translated)
    queries = (
        builder.clause_query(
            c, partial=True, tokens=in_context.get(c), expansions=expansions.get(c)
        )
        for c in counted_words(builder, parsed, strict_fields)
    )
    return [q for q in queries if q is not None]


def translation_evidence(
    builder: QueryBuilder, parsed: ParsedQuery, translated: Directions
) -> Q.Query | None:
    """The translations of the words (in the ``translated`` directions) as a query that
    only adds to the scores of documents found otherwise: a budget record's English
    summary holding "dementia" tells that its 치매 is the subject, without a document
    holding only the English word being found. Each counts as a synonym."""
    if not translated:
        return None
    options = []
    for clause, words in builder.expansions.translations_of(parsed, translated).items():
        for _, query in _queries(builder, list(words), clause.field):
            query.boost = (query.boost or 1.0) * builder.expansions.synonym_weight
            options.append(query)
    if not options:
        return None
    return options[0] if len(options) == 1 else Q.Or(options)


def word_forms(
    builder: QueryBuilder,
    parsed: ParsedQuery,
    strict_fields: bool = False,
    translated: Directions = NONE,
) -> list[WordForms]:
    """The counted words' forms: the word typed, each synonym, each translation, each
    a whole word as a match needs it (not any of its morphemes)."""
    in_context = builder.context.morphemes_in_context(parsed)
    synonyms = builder.expansions.of(parsed)
    translations = builder.expansions.translations_of(parsed, translated)
    forms = []
    for clause in counted_words(builder, parsed, strict_fields):
        typed = builder.plain_clause(clause, tokens=in_context.get(clause))
        own = [word for word, _ in synonyms.get(clause, [])]
        other = list(translations.get(clause, ()))
        # The entry found, not the word as typed: 어르신이 is said as 어르신.
        entry = builder.expansions.thesaurus.entry(clause.text)[0]
        forms.append(
            WordForms(
                entry or clause.text,
                typed,
                _queries(builder, own, clause.field),
                _queries(builder, other, clause.field),
            )
        )
    return forms


def _queries(
    builder: QueryBuilder, words: list[str], fieldname: str
) -> tuple[tuple[str, Q.Query], ...]:
    found = ((word, builder.plain_clause(Clause(word, field=fieldname))) for word in words)
    return tuple((word, query) for word, query in found if query is not None)
