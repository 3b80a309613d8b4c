"""User query text -> Whoosh query, through the same analysis as the documents.

The syntax is small and safe by default: words, "quoted phrases", ``-exclusion``
and ``field:value`` for known fields. Anything else is searched as plain text, so
no input raises or turns into an unintended query. ``raw=True`` hands the text to
Whoosh's own parser instead (with a fallback to the safe mode when it fails).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from whoosh import query as Q

from indexer.fields import QUERY_FILTER_FIELDS, TEXT_FIELDS
from indexer.query.context import WordsInContext
from indexer.query.expansions import NONE, Directions, Expansions
from indexer.query.parsing import Clause, ParsedQuery, expandable, is_filter
from indexer.query.synonyms import Thesaurus
from indexer.query.termquery import TermQueries, boosted


@dataclass
class _Parts:
    """A query's clauses by the part they play: words it must (or, relaxed, may) hold,
    words it must not, filters it requires, and words that only add to the score."""

    positives: list[Q.Query] = field(default_factory=list)
    negatives: list[Q.Query] = field(default_factory=list)
    required: list[Q.Query] = field(default_factory=list)
    optional: list[Q.Query] = field(default_factory=list)

    def combined(self, any_word: bool) -> Q.Query | None:
        """The whole query; None when nothing is searchable."""
        positives, required = self.positives, self.required
        if not positives and not self.negatives and not required:
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
        if self.optional:
            optional = self.optional
            combined = Q.AndMaybe(combined, optional[0] if len(optional) == 1 else Q.Or(optional))
        if self.negatives:
            combined = Q.AndNot(combined, Q.Or(self.negatives))
        return combined


@dataclass(frozen=True)
class Weights:
    """Field weights, from the settings (title_boost, body_boost, bigram_boost)."""

    title: float
    body: float
    bigram: float


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
        self.schema, self.weights = schema, weights
        self.terms = TermQueries(schema, weights)
        self.expansions = Expansions(thesaurus, synonym_weight, glossary, translation_weight)
        self.expansions.parts_of = self.terms.parts
        self.context = WordsInContext(self.terms.morphemes, optional_non_nouns)

    def build(
        self,
        parsed: ParsedQuery,
        any_word: bool = False,
        strict_fields: bool = False,
        translated: Directions = NONE,
        content_words: bool = False,
        evidence: Q.Query | None = None,
    ) -> Q.Query | None:
        """The query of all clauses (AND, or OR when ``any_word``), None when nothing is
        searchable: with ``strict_fields`` a field:value is required even among OR-ed
        words; ``translated`` words also match their translations; ``content_words``:
        only words holding a noun are required, the others (and ``evidence``) score."""
        parts = self._parts(parsed, any_word, strict_fields, translated, content_words)
        parts.optional += [evidence] if evidence is not None and parts.positives else []
        if any_word:
            # Any-word queries score bigrams once over the whole text, across word
            # boundaries as in the index, instead of word by word.
            text = " ".join(
                c.text for c in parsed.clauses if not c.negated and c.field in ("", *TEXT_FIELDS)
            )
            whole = self.terms.whole_text_bigrams(text)
            if whole is not None:
                parts.positives.append(whole)
        return parts.combined(any_word)

    def _parts(
        self,
        parsed: ParsedQuery,
        any_word: bool,
        strict_fields: bool,
        translated: Directions = NONE,
        content_words: bool = False,
    ) -> _Parts:
        """Each clause's query, sorted by the part it plays in the whole."""
        parts = _Parts()
        in_context = self.context.morphemes_in_context(parsed)
        function_words = self.context.function_words(parsed, predicates=content_words)
        expansions = self.expansions.of(parsed, translated)
        for clause in parsed.clauses:
            if strict_fields and is_filter(clause):
                # category:X keeps only documents of X; -category:X leaves them out.
                term = Q.Term(clause.field, clause.text)
                (parts.negatives if clause.negated else parts.required).append(term)
                continue
            partial = any_word and not clause.negated
            built = self.clause_query(
                clause,
                with_bigrams=not partial,
                partial=partial,
                tokens=in_context.get(clause),
                expansions=expansions.get(clause, []),
            )
            if built is None:
                continue
            if clause in function_words and not any_word:
                parts.optional.append(built)
            else:
                (parts.negatives if clause.negated else parts.positives).append(built)
        return parts

    def positive_clause_count(self, parsed: ParsedQuery, strict_fields: bool = False) -> int:
        """Words typed (question words too: a query reads as a question by its length),
        to choose between every-word and any-word; with ``strict_fields``, filter fields
        are required, not counted as words."""
        return sum(
            1 for c in parsed.clauses if not c.negated and not (strict_fields and is_filter(c))
        )

    @property
    def morphemes(self) -> Any:
        """The morpheme analyzer of the index (to split a typed word)."""
        return self.terms.morphemes

    def word_query(self, word: str) -> Q.Query | None:
        """Whether a document holds ``word``: all its morphemes, or all its bigrams."""
        return self.clause_query(Clause(word))

    def clause_query(
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
        typed = self.plain_clause(clause, with_bigrams, partial, tokens)
        if typed is None or not expandable(clause):
            return typed
        if expansions is None:
            expansions = self.expansions.of(ParsedQuery([clause])).get(clause, [])
        options = [typed]
        for word, weight in expansions:
            # A synonym of title:word is sought in the title too, not everywhere.
            found = self.plain_clause(Clause(word, field=clause.field), with_bigrams, partial)
            if found is not None:
                found.boost = (found.boost or 1.0) * weight
                options.append(found)
        return Q.Or(options) if len(options) > 1 else typed

    def plain_clause(
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
                self.terms.bigram(
                    f"{name}_bigram", clause.text, clause.phrase, in_sequence=not partial
                )
                if with_bigrams
                else None
            )
            if bigram is not None:
                options.append(boosted(bigram, boost * self.weights.bigram))
        if not options:
            return None
        return options[0] if len(options) == 1 else Q.Or(options)


def positive_part(query: Q.Query) -> Q.Query:
    """The query without its excluded (``-word``) parts: what highlighting should mark."""
    return query.accept(lambda node: node.a if isinstance(node, Q.AndNot) else node)
