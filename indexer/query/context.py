"""How a query's words read together: each word's morphemes as the tagger reads the
whole query, and which words are function words (question words, adverbs, verbs) a
document need not hold."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from indexer.analysis.morphemes import CONTENT_TAGS
from indexer.analysis.taggers import get_tagger
from indexer.query.parsing import Clause, ParsedQuery, expandable_text

_HANGUL = re.compile(r"[가-힣]")
# Content tags that make a word something documents should hold (not a verb or adjective).
NOUN_LIKE_TAGS = CONTENT_TAGS - {"VV", "VA", "Verb", "Adjective"}


class WordsInContext:
    """Reads a query's words together with the index's morpheme analyzer (``morphemes``);
    the last query read is kept (a request reads the same one several times)."""

    def __init__(self, morphemes: Any, optional_non_nouns: bool = True) -> None:
        self.morphemes = morphemes
        self.optional_non_nouns = optional_non_nouns
        self._context_key: tuple[Clause, ...] = ()
        self._context: dict[Clause, list[Any]] = {}

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
        for morpheme in get_tagger(self.morphemes.tagger).morphemes(joined.text):
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
        words = [c for c in parsed.clauses if expandable_text(c)]
        if len(words) < 2:
            return {}
        key = tuple(words)
        if key != self._context_key:
            joined = _JoinedWords.of(words)
            found: dict[Clause, list[Any]] = {c: [] for c in words}
            analysed = self.morphemes(joined.text, positions=True, chars=True, mode="query")
            for token in analysed:
                found[joined.word_at(token.startchar)].append(token)
            self._context_key, self._context = key, found
        return self._context


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
