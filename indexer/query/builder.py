"""User query text -> Whoosh query, through the same analysis as the documents.

The syntax is small and safe by default: words, "quoted phrases", ``-exclusion``
and ``field:value`` for known fields. Anything else is searched as plain text, so
no input raises or turns into an unintended query. ``raw=True`` hands the text to
Whoosh's own parser instead (with a fallback to the safe mode when it fails).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from whoosh import query as Q

from indexer.analysis.morphemes import CONTENT_TAGS
from indexer.analysis.taggers import get_tagger
from indexer.fields import QUERY_FILTER_FIELDS, TEXT_FIELDS
from indexer.messages import Notice
from indexer.query.synonyms import Thesaurus
from indexer.query.termquery import TermQueries, boosted

_HANGUL = re.compile(r"[가-힣]")
# Content tags that make a word something documents should hold (not a verb or adjective).
NOUN_LIKE_TAGS = CONTENT_TAGS - {"VV", "VA", "Verb", "Adjective"}
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
        glossary: Thesaurus | None = None,
        translation_weight: float = 0.8,
        optional_non_nouns: bool = True,
    ) -> None:
        self.schema = schema
        self.weights = weights
        self.thesaurus = thesaurus or Thesaurus()
        self.synonym_weight = synonym_weight
        self.glossary = glossary or Thesaurus()
        self.translation_weight = translation_weight
        self.optional_non_nouns = optional_non_nouns
        self.terms = TermQueries(schema, weights)
        self._context_key: tuple[Clause, ...] = ()
        self._context: dict[Clause, list[Any]] = {}
        self._expansions_key: tuple[Clause, ...] = ()
        self._expansions: dict[Clause, list[tuple[str, float]]] = {}

    def synonyms_used(
        self, parsed: ParsedQuery, glossary: bool = False
    ) -> list[tuple[str, tuple[str, ...]]]:
        """(words typed, their synonyms) for each word or entry of several words that has
        some; with ``glossary``, (English words, their Korean translations) instead."""
        table = self.glossary if glossary else self.thesaurus
        words = [c for c in parsed.clauses if _expandable(c)]
        used = [
            (c.text, found)
            for c in words
            if (not glossary or c.text.isascii()) and (found := table.of(c.text))
        ]
        texts = [c.text for c in words]
        for start, end, found in table.of_words(texts):
            typed = " ".join(texts[start:end])
            if not glossary or typed.isascii():
                used.append((typed, found))
        return used

    def expansions(self, parsed: ParsedQuery) -> dict[Clause, list[tuple[str, float]]]:
        """Each word's synonyms and translations with their weights. An English word's
        Korean translations count almost as the word (the documents are mostly Korean); a
        Korean word's English ones only as a synonym, so they reach English articles without
        reordering the Korean results. An entry of several words typed together (sign
        language => 수어) gives its synonyms to each of its words."""
        key = tuple(parsed.clauses)
        if key == self._expansions_key:
            return self._expansions
        words = [c for c in parsed.clauses if _expandable(c)]
        found: dict[Clause, list[tuple[str, float]]] = {c: [] for c in words}
        texts = [c.text for c in words]
        for table, glossary in ((self.thesaurus, False), (self.glossary, True)):
            for clause in words:
                weight = self._weight(clause.text, glossary)
                found[clause].extend((w, weight) for w in table.of(clause.text))
            for start, end, targets in table.of_words(texts):
                weight = self._weight(" ".join(texts[start:end]), glossary)
                for clause in words[start:end]:
                    known = {w for w, _ in found[clause]}
                    found[clause].extend((w, weight) for w in targets if w not in known)
        self._expansions_key, self._expansions = key, found
        return found

    def _weight(self, typed: str, glossary: bool) -> float:
        return self.translation_weight if glossary and typed.isascii() else self.synonym_weight

    def build(
        self, parsed: ParsedQuery, any_word: bool = False, strict_fields: bool = False
    ) -> Q.Query | None:
        """The query of all clauses (AND, or OR when ``any_word``); None when nothing is
        searchable. With ``strict_fields`` a filter-field clause (year:2014) is required
        even when the words are OR-ed."""
        positives: list[Q.Query] = []
        negatives: list[Q.Query] = []
        required: list[Q.Query] = []
        optional: list[Q.Query] = []
        in_context = self.morphemes_in_context(parsed)
        function_words = self.function_words(parsed, predicates=False)
        expansions = self.expansions(parsed)
        for clause in parsed.clauses:
            if strict_fields and _filters(clause):
                # category:X keeps only documents of X; -category:X leaves them out.
                (negatives if clause.negated else required).append(
                    Q.Term(clause.field, clause.text)
                )
                continue
            # Any-word queries score bigrams once over the whole text (below), across word
            # boundaries as in the index, instead of word by word.
            partial = any_word and not clause.negated
            built = self._clause(
                clause,
                with_bigrams=not partial,
                partial=partial,
                tokens=in_context.get(clause),
                expansions=expansions.get(clause, []),
            )
            if built is None:
                continue
            if clause in function_words and not any_word:
                optional.append(built)
                continue
            (negatives if clause.negated else positives).append(built)
        if any_word:
            text = " ".join(
                c.text for c in parsed.clauses if not c.negated and c.field in ("", *TEXT_FIELDS)
            )
            whole = self.terms.whole_text_bigrams(text)
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
        if optional:
            combined = Q.AndMaybe(combined, optional[0] if len(optional) == 1 else Q.Or(optional))
        if negatives:
            combined = Q.AndNot(combined, Q.Or(negatives))
        return combined

    def positive_clause_count(self, parsed: ParsedQuery, strict_fields: bool = False) -> int:
        """Words typed (question words too: a query reads as a question by its length),
        to choose between every-word and any-word; with ``strict_fields``, filter fields
        are required, not counted as words."""
        return sum(
            1 for c in parsed.clauses if not c.negated and not (strict_fields and _filters(c))
        )

    @property
    def morphemes(self) -> Any:
        """The morpheme analyzer of the index (to split a typed word)."""
        return self.terms.morphemes

    def word_query(self, word: str) -> Q.Query | None:
        """Whether a document holds ``word``: all its morphemes, or all its bigrams."""
        return self._clause(Clause(word))

    def word_queries(self, parsed: ParsedQuery, strict_fields: bool = False) -> list[Q.Query]:
        """Each word's own query (any of its morphemes, or all its bigrams, or a synonym):
        whether a document holds that word, for counting the words of a relaxed query."""
        function_words = self.function_words(parsed)
        words = [
            c
            for c in parsed.clauses
            if not c.negated and not (strict_fields and _filters(c)) and c not in function_words
        ]
        in_context = self.morphemes_in_context(parsed)
        expansions = self.expansions(parsed)
        queries = (
            self._clause(c, partial=True, tokens=in_context.get(c), expansions=expansions.get(c))
            for c in words
        )
        return [q for q in queries if q is not None]

    def function_words(self, parsed: ParsedQuery, predicates: bool = True) -> frozenset[Clause]:
        """Korean words of a query that hold no noun, beside words that do: question words
        and adverbs (무엇인가, 너무), which documents need not hold at all, and, with
        ``predicates``, verbs and adjectives (빌려주는, 싸게), which a document holding every
        word has but a relaxed query does not count (administrative prose rarely uses the
        verbs people type). They still add to the score of documents that hold them. A query
        of such words only searches them as usual."""
        in_context = self.morphemes_in_context(parsed)
        if not self.optional_non_nouns:
            return frozenset()
        nouns = self._words_with_nouns(list(in_context)) if predicates else set()
        found = frozenset(
            clause
            for clause, tokens in in_context.items()
            if not clause.negated
            and _HANGUL.search(clause.text)
            and (not tokens if not predicates else clause not in nouns)
        )
        return found if len(found) < len(in_context) else frozenset()

    def _words_with_nouns(self, words: list[Clause]) -> set[Clause]:
        """The words holding a noun, number or foreign word, as the tagger reads the query."""
        if not words:
            return set()
        joined = _JoinedWords.of(words)
        holding: set[Clause] = set()
        cursor = 0
        for morpheme in get_tagger(self.terms.morphemes.tagger).morphemes(joined.text):
            found = joined.text.find(morpheme.surface, cursor) if morpheme.surface else -1
            if found < 0:
                continue  # a restored form (Komoran): its word was placed by the one before
            cursor = found + len(morpheme.surface)
            if morpheme.tag in NOUN_LIKE_TAGS:
                holding.add(joined.word_at(found))
        return holding

    def morphemes_in_context(self, parsed: ParsedQuery) -> dict[Clause, list[Any]]:
        """Each word's morphemes as the tagger reads them within the whole query.

        A word tagged alone can come out wrong where the sentence decides: 총리의 alone
        is 총 + 리의, in "터키 총리의 이름은" it is 총리 + 의. The words (not phrases or
        field:value) are tagged together once and each keeps the tokens inside it.
        """
        words = [c for c in parsed.clauses if _expandable_text(c)]
        if len(words) < 2:
            return {}
        key = tuple(words)
        if key != self._context_key:
            joined = _JoinedWords.of(words)
            found: dict[Clause, list[Any]] = {c: [] for c in words}
            analysed = self.terms.morphemes(joined.text, positions=True, chars=True, mode="query")
            for token in analysed:
                found[joined.word_at(token.startchar)].append(token)
            self._context_key, self._context = key, found
        return self._context

    def _clause(
        self,
        clause: Clause,
        with_bigrams: bool = True,
        partial: bool = False,
        tokens: list[Any] | None = None,
        expansions: list[tuple[str, float]] | None = None,
    ) -> Q.Query | None:
        """The clause's query; a word with synonyms or translations matches them too,
        weighted below it. ``tokens``: its morphemes read in context, when known;
        ``expansions``: its synonyms with their weights (else the word's own entries)."""
        typed = self._plain_clause(clause, with_bigrams, partial, tokens)
        if typed is None or not _expandable(clause):
            return typed
        if expansions is None:
            expansions = self.expansions(ParsedQuery([clause])).get(clause, [])
        options = [typed]
        for word, weight in expansions:
            found = self._plain_clause(Clause(word), with_bigrams, partial)
            if found is not None:
                found.boost = (found.boost or 1.0) * weight
                options.append(found)
        return Q.Or(options) if len(options) > 1 else typed

    def _plain_clause(
        self,
        clause: Clause,
        with_bigrams: bool = True,
        partial: bool = False,
        tokens: list[Any] | None = None,
    ) -> Q.Query | None:
        if clause.field in QUERY_FILTER_FIELDS:
            return Q.Term(clause.field, clause.text)
        fields = (clause.field,) if clause.field else TEXT_FIELDS
        options: list[Q.Query] = []
        for name in fields:
            boost = self.weights.title if name == "title" else self.weights.body
            morph = self.terms.morph(name, clause.text, clause.phrase, partial, tokens)
            if morph is not None:
                options.append(boosted(morph, boost))
            bigram = (
                self.terms.bigram(f"{name}_bigram", clause.text, clause.phrase)
                if with_bigrams
                else None
            )
            if bigram is not None:
                options.append(boosted(bigram, boost * self.weights.bigram))
        if not options:
            return None
        return options[0] if len(options) == 1 else Q.Or(options)


def _expandable(clause: Clause) -> bool:
    """Words (not phrases, exclusions or field:value) may bring their synonyms."""
    return not clause.phrase and not clause.negated and clause.field in ("", *TEXT_FIELDS)


@dataclass(frozen=True)
class _JoinedWords:
    """Words joined by spaces, to be tagged together, and which word an offset falls in."""

    words: tuple[Clause, ...]
    text: str
    starts: tuple[int, ...]

    @classmethod
    def of(cls, words: list[Clause]) -> _JoinedWords:
        starts, cursor = [], 0
        for clause in words:
            starts.append(cursor)
            cursor += len(clause.text) + 1
        return cls(tuple(words), " ".join(c.text for c in words), tuple(starts))

    def word_at(self, offset: int) -> Clause:
        return self.words[bisect.bisect_right(self.starts, offset) - 1]


def _expandable_text(clause: Clause) -> bool:
    """A word of the text (excluded or not): tagged with the other words."""
    return not clause.phrase and clause.field in ("", *TEXT_FIELDS)


def _filters(clause: Clause) -> bool:
    return clause.field in QUERY_FILTER_FIELDS


def positive_part(query: Q.Query) -> Q.Query:
    """The query without its excluded (``-word``) parts: what highlighting should mark."""
    return query.accept(lambda node: node.a if isinstance(node, Q.AndNot) else node)
