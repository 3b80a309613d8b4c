"""User query text -> Whoosh query, through the same analysis as the documents.

The syntax is small and safe by default: words, "quoted phrases", ``-exclusion``
and ``field:value`` for known fields. Anything else is searched as plain text, so
no input raises or turns into an unintended query. ``raw=True`` hands the text to
Whoosh's own parser instead (with a fallback to the safe mode when it fails).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from whoosh import query as Q
from whoosh.qparser import MultifieldParser

from .config import Settings
from .deadline import NO_DEADLINE, Deadline
from .documents import normalize_text
from .errors import QueryError
from .fields import QUERY_FILTER_FIELDS, TEXT_FIELDS
from .messages import Notice
from .synonyms import Thesaurus, load_thesaurus
from .whoosh_private import multiterm_texts, wildcard_pattern, wildcard_prefix

# Terms the wildcards of one request may read (a leading * reads a field's whole list).
MAX_SCANNED_TERMS = 2_000_000
SCAN_CHECK_EVERY = 4096

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))'
)


@dataclass(frozen=True)
class Weights:
    """Field weights, from the settings (title_boost, body_boost, bigram_boost)."""

    title: float
    body: float
    bigram: float


@dataclass(frozen=True)
class Clause:
    text: str
    phrase: bool = False
    negated: bool = False
    field: str = ""  # "" = all text fields


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def parse_user_query(text: str, max_words: int = 32) -> ParsedQuery:
    """Splits user text into clauses; unknown fields and stray quotes become plain text.

    Repeated clauses count once; clauses past ``max_words`` are dropped with a notice
    (each word widens the query, and scoring cost grows with it).
    """
    parsed = ParsedQuery()
    if text.count('"') % 2:
        # An unbalanced quote: drop the last one rather than swallow the rest.
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1 :]
    known = set(TEXT_FIELDS) | set(QUERY_FILTER_FIELDS)
    for match in _TOKEN.finditer(text):
        value = match.group("phrase") if match.group("phrase") is not None else match.group("word")
        field_name = (match.group("field") or "").lower()
        negated = bool(match.group("neg"))
        if field_name and field_name not in known:
            parsed.notices.append(Notice("unknown_field", {"field": field_name}))
            value = f"{match.group('field')}:{value}"
            field_name = ""
        if value is None or not value.strip():
            continue
        clause = Clause(
            value.strip(),
            phrase=match.group("phrase") is not None,
            negated=negated,
            field=field_name,
        )
        if clause in parsed.clauses:  # a repeated word adds no meaning, only work
            continue
        if len(parsed.clauses) == max_words:
            parsed.notices.append(Notice("words_cut", {"max_words": max_words}))
            break
        parsed.clauses.append(clause)
    return parsed


class QueryBuilder:
    """Builds Whoosh queries with the index's own analyzers (read from its schema)."""

    def __init__(
        self,
        schema,
        weights: Weights,
        thesaurus: Thesaurus | None = None,
        synonym_weight: float = 0.3,
    ) -> None:
        self.schema = schema
        self.weights = weights
        self.thesaurus = thesaurus or Thesaurus()
        self.synonym_weight = synonym_weight
        self._morphemes = schema["body"].analyzer
        self._bigrams = schema["body_bigram"].analyzer

    def synonyms_used(self, parsed: ParsedQuery) -> list[tuple[str, tuple[str, ...]]]:
        """(word, its synonyms) for each word typed that has some."""
        return [
            (c.text, found)
            for c in parsed.clauses
            if _expandable(c) and (found := self.thesaurus.of(c.text))
        ]

    def build(
        self, parsed: ParsedQuery, any_word: bool = False, strict_fields: bool = False
    ) -> Q.Query | None:
        """The query of all clauses (AND, or OR when ``any_word``); None when nothing is
        searchable. With ``strict_fields`` a filter-field clause (year:2014) is required
        even when the words are OR-ed."""
        positives: list[Q.Query] = []
        negatives: list[Q.Query] = []
        required: list[Q.Query] = []
        for clause in parsed.clauses:
            if strict_fields and _filters(clause):
                required.append(Q.Term(clause.field, clause.text))
                continue
            # Any-word queries score bigrams once over the whole text (below), across word
            # boundaries as in the index, instead of word by word.
            partial = any_word and not clause.negated
            built = self._clause(clause, with_bigrams=not partial, partial=partial)
            if built is None:
                continue
            (negatives if clause.negated else positives).append(built)
        if any_word:
            text = " ".join(
                c.text for c in parsed.clauses if not c.negated and c.field in ("", *TEXT_FIELDS)
            )
            whole = self._whole_text_bigrams(text)
            if whole is not None:
                positives.append(whole)
        if not positives and not negatives and not required:
            return None
        if positives:
            combined: Q.Query = (
                positives[0]
                if len(positives) == 1
                else (Q.Or(positives) if any_word else Q.And(positives))
            )
            if required:
                combined = Q.And([combined, *required])
        elif required:
            combined = required[0] if len(required) == 1 else Q.And(required)
        else:
            combined = Q.Every()
        if negatives:
            combined = Q.AndNot(combined, Q.Or(negatives))
        return combined

    def positive_clause_count(self, parsed: ParsedQuery, strict_fields: bool = False) -> int:
        """Clauses a document should match: with ``strict_fields``, words only (filter
        fields are required, not counted as words)."""
        return sum(
            1 for c in parsed.clauses if not c.negated and not (strict_fields and _filters(c))
        )

    @property
    def morphemes(self) -> Any:
        """The morpheme analyzer of the index (to split a typed word)."""
        return self._morphemes

    def word_query(self, word: str) -> Q.Query | None:
        """Whether a document holds ``word``: all its morphemes, or all its bigrams."""
        return self._clause(Clause(word))

    def word_queries(self, parsed: ParsedQuery, strict_fields: bool = False) -> list[Q.Query]:
        """Each word's own query (all its morphemes, or all its bigrams): whether a
        document holds that word, for counting the words of a relaxed query."""
        words = [c for c in parsed.clauses if not c.negated and not (strict_fields and _filters(c))]
        return [q for c in words if (q := self._clause(c, partial=True)) is not None]

    def _whole_text_bigrams(self, text: str) -> Q.Query | None:
        options = []
        for name in TEXT_FIELDS:
            boost = self.weights.title if name == "title" else self.weights.body
            bigram = self._bigram_query(f"{name}_bigram", text, False, partial=True)
            if bigram is not None:
                options.append(_boosted(bigram, boost * self.weights.bigram))
        if not options:
            return None
        return options[0] if len(options) == 1 else Q.Or(options)

    def _clause(
        self, clause: Clause, with_bigrams: bool = True, partial: bool = False
    ) -> Q.Query | None:
        """The clause's query; a word with synonyms matches them too, weighted below it."""
        typed = self._plain_clause(clause, with_bigrams, partial)
        synonyms = self.thesaurus.of(clause.text) if _expandable(clause) else ()
        if typed is None or not synonyms:
            return typed
        options = [typed]
        for synonym in synonyms:
            found = self._plain_clause(Clause(synonym), with_bigrams, partial)
            if found is not None:
                found.boost = (found.boost or 1.0) * self.synonym_weight
                options.append(found)
        return Q.Or(options) if len(options) > 1 else typed

    def _plain_clause(
        self, clause: Clause, with_bigrams: bool = True, partial: bool = False
    ) -> Q.Query | None:
        if clause.field in QUERY_FILTER_FIELDS:
            return Q.Term(clause.field, clause.text)
        fields = (clause.field,) if clause.field else TEXT_FIELDS
        options: list[Q.Query] = []
        for name in fields:
            boost = self.weights.title if name == "title" else self.weights.body
            morph = self._morph_query(name, clause.text, clause.phrase, partial)
            if morph is not None:
                options.append(_boosted(morph, boost))
            bigram = (
                self._bigram_query(f"{name}_bigram", clause.text, clause.phrase)
                if with_bigrams
                else None
            )
            if bigram is not None:
                options.append(_boosted(bigram, boost * self.weights.bigram))
        if not options:
            return None
        return options[0] if len(options) == 1 else Q.Or(options)

    def _morph_query(
        self, fieldname: str, text: str, phrase: bool, partial: bool = False
    ) -> Q.Query | None:
        """The word's morphemes: all of them, or (``partial``) any of them."""
        tokens = [t for t in self._morphemes(text, positions=True, mode="query") if not t.is_part]
        if not tokens:
            return None
        if phrase:
            words: list[str] = []
            for token in tokens:
                words.extend(token.compound_parts or (token.text,))
            return Q.Term(fieldname, words[0]) if len(words) == 1 else Q.Phrase(fieldname, words)
        terms: list[Q.Query] = []
        for token in tokens:
            if token.compound_parts:
                # The whole compound, or its parts side by side (광화문광장 ~ "광화문 광장").
                terms.append(
                    Q.Or([Q.Term(fieldname, token.text), self._side_by_side(fieldname, token)])
                )
            else:
                terms.append(Q.Term(fieldname, token.text))
        unique = list(dict.fromkeys(terms))
        if len(unique) == 1:
            return unique[0]
        return Q.Or(unique) if partial else Q.And(unique)

    def _side_by_side(self, fieldname: str, token) -> Q.Query:
        """A compound's parts next to each other, scored like the phrase of the parts.

        Instead of a phrase (positions read document by document, the slowest part of a
        query), the parts are required together with every bigram of the compound: the
        bigram fields join across spaces, so 광화문 광장 and 광화문광장 both hold 광화 화문
        문광 광장, while a text with 광화문 and 광장 apart lacks 문광. Require scores the
        parts only, as Whoosh scores a phrase.
        """
        parts = list(dict.fromkeys(token.compound_parts))
        together: Q.Query = (
            Q.Term(fieldname, parts[0])
            if len(parts) == 1
            else Q.And([Q.Term(fieldname, p) for p in parts])
        )
        bigram_field = f"{fieldname}_bigram"
        adjacent = (
            self._bigram_query(bigram_field, token.text, phrase=False)
            if bigram_field in self.schema
            else None
        )
        if adjacent is None:
            return Q.Phrase(fieldname, list(token.compound_parts))
        return Q.Require(together, adjacent)

    def _bigram_query(
        self, fieldname: str, text: str, phrase: bool, partial: bool = False
    ) -> Q.Query | None:
        """Bigrams of a word: all of them, or (``partial``, for any-word queries) any of
        them, so an inflected word (설립되었는가) still earns credit for its stem's bigrams."""
        grams = [t.text for t in self._bigrams(text, positions=True, mode="query")]
        if not grams:
            return None
        if len(grams) == 1:
            return Q.Term(fieldname, grams[0])
        if phrase:
            return Q.Phrase(fieldname, grams)
        terms = [Q.Term(fieldname, g) for g in dict.fromkeys(grams)]
        return Q.Or(terms) if partial else Q.And(terms)


def _expandable(clause: Clause) -> bool:
    """Words (not phrases, exclusions or field:value) may bring their synonyms."""
    return not clause.phrase and not clause.negated and clause.field in ("", *TEXT_FIELDS)


def query_builder(schema, weights: Weights, settings: Settings) -> QueryBuilder:
    """The builder of the settings: weights, and synonyms unless turned off."""
    thesaurus = (
        load_thesaurus(settings.synonyms, settings.synonyms_file)
        if settings.synonyms or settings.synonyms_file
        else None
    )
    return QueryBuilder(schema, weights, thesaurus, settings.synonym_weight)


def _filters(clause: Clause) -> bool:
    return clause.field in QUERY_FILTER_FIELDS


def _boosted(query: Q.Query, boost: float) -> Q.Query:
    query.boost = boost
    return query


def parse_raw_query(schema, text: str) -> Q.Query | None:
    """Whoosh's own syntax over title and body; None when it cannot be parsed."""
    parser = MultifieldParser(list(TEXT_FIELDS), schema)
    try:
        parsed = parser.parse(text)
    except Exception:  # Whoosh raises assorted types on bad syntax
        return None
    if isinstance(parsed, Q.NullQuery.__class__):
        return None
    return parsed


def bound_expansions(
    query: Q.Query, reader, max_terms: int, deadline: Deadline = NO_DEADLINE
) -> tuple[Q.Query, list[Notice]]:
    """Wildcards, prefixes, ranges and fuzzy terms replaced by their first ``max_terms`` terms.

    Whoosh would expand them over the whole term list again for every pass of a request,
    so ``*a*`` or ``?*`` would score thousands of terms several times; here the term list
    is scanned once. The scan itself is bounded too: a pattern with no leading letters
    reads the field's whole term list, so the request may read MAX_SCANNED_TERMS terms
    in all (a QueryError past that) and checks its deadline as it goes. A bare ``*``
    means every document.
    """
    notices: list[Notice] = []
    budget = _ScanBudget(MAX_SCANNED_TERMS, deadline)

    def bound(node: Q.Query) -> Q.Query:
        if isinstance(node, Q.Every) or (isinstance(node, Q.Wildcard) and not node.text.strip("*")):
            return Q.Every()  # all documents, without walking a field's postings
        if not isinstance(node, Q.MultiTerm):
            return node
        terms = list(islice(_expansions(node, reader, budget), max_terms + 1))
        if len(terms) > max_terms:
            notices.append(Notice("expansions_cut", {"pattern": str(node), "max_terms": max_terms}))
        if not terms:
            return Q.NullQuery
        return Q.Or([Q.Term(node.fieldname, term) for term in terms[:max_terms]], boost=node.boost)

    return query.accept(bound), notices


@dataclass
class _ScanBudget:
    """The index terms one request's wildcards may still read, and its deadline."""

    max_terms: int
    deadline: Deadline
    scanned: int = 0

    def count(self) -> None:
        """One term read; past the limit the query is refused, past the deadline stopped."""
        self.scanned += 1
        if self.scanned > self.max_terms:
            raise QueryError(code="too_many_scanned", max_terms=self.max_terms)
        if self.scanned % SCAN_CHECK_EVERY == 0:
            self.deadline.check()


def _expansions(node: Q.MultiTerm, reader, budget: _ScanBudget) -> Iterator[bytes]:
    """The terms ``node`` matches, counting every term read against ``budget``."""
    if isinstance(node, (Q.Wildcard, Q.Regex)):  # a regex over a run of terms
        field = reader.schema[node.fieldname]
        pattern = re.compile(wildcard_pattern(node))
        prefix = wildcard_prefix(node)
        candidates = (
            reader.expand_prefix(node.fieldname, prefix)
            if prefix
            else reader.lexicon(node.fieldname)
        )
        for btext in candidates:
            budget.count()
            if pattern.match(field.from_bytes(btext)):
                yield btext
        return
    for btext in multiterm_texts(
        node, reader
    ):  # prefixes, ranges, fuzzy terms: read what they yield
        budget.count()
        yield btext


def positive_part(query: Q.Query) -> Q.Query:
    """The query without its excluded (``-word``) parts: what highlighting should mark."""
    return query.accept(lambda node: node.a if isinstance(node, Q.AndNot) else node)


@dataclass
class TextQuery:
    """The text part of a request: its query and, for a short query that needs every
    word, the any-word query to fall back on when too few documents have them all."""

    query: Q.Query | None
    relaxed: Q.Query | None = None
    notices: list[Notice] = field(default_factory=list)
    # For relaxing: each word's query, and the share of the words (of those found in
    # the index) a document needs.
    words: list[Q.Query] = field(default_factory=list)
    min_word_fraction: float = 0.0


def text_query(
    builder: QueryBuilder,
    text: str,
    raw: bool,
    reader,
    settings: Settings,
    deadline: Deadline = NO_DEADLINE,
) -> TextQuery:
    """The query of the words typed (or, with ``raw``, of Whoosh's query syntax)."""
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
    for word, synonyms in builder.synonyms_used(parsed):
        notices.append(Notice("synonyms", {"word": word, "synonyms": ", ".join(synonyms)}))
    # Long queries read like questions or headlines: few documents hold every word.
    strict = settings.strict_field_prefixes
    words = builder.positive_clause_count(parsed, strict)
    query = builder.build(parsed, any_word=words > settings.and_max_words, strict_fields=strict)
    if query is None:
        if parsed.clauses:
            return TextQuery(Q.NullQuery, notices=notices + [Notice("nothing_searchable")])
        return TextQuery(None, notices=notices)
    if words <= 1:
        return TextQuery(query, notices=notices)
    relaxed = builder.build(parsed, any_word=True, strict_fields=strict)
    fraction = settings.relaxed_min_word_fraction
    word_queries = builder.word_queries(parsed, strict) if fraction > 0 else []
    return TextQuery(query, relaxed, notices, word_queries, fraction)
