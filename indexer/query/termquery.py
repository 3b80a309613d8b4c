"""The queries of one word in one field: its morphemes, its Hangul bigrams, a compound's
parts side by side, and the bigrams of a whole any-word query. The index's own
analyzers (read from its schema) make them, as they made the documents' terms."""

from __future__ import annotations

import re
from typing import Any

from whoosh import query as Q

from indexer.analysis.particles import particle_stems
from indexer.fields import TEXT_FIELDS

_HANGUL_WORD = re.compile(r"^[가-힣]+$")


class TermQueries:
    def __init__(self, schema: Any, weights: Any) -> None:
        self.schema = schema
        self.weights = weights
        self.morphemes = schema["body"].analyzer
        self._bigrams = schema["body_bigram"].analyzer

    def parts(self, word: str) -> list[str]:
        """The morphemes of a word as the index reads it (a compound's parts too)."""
        return [token.text for token in self.morphemes(word, mode="query")]

    def letter_pairs(self, word: str) -> list[Q.Query]:
        """Each bigram of a word, in the title or the body: a document holding most of
        them is spelt like it (청년내일채옴공제 and 청년내일채움공제 share 5 of 7)."""
        grams = dict.fromkeys(t.text for t in self._bigrams(word, mode="query"))
        return [Q.Or([Q.Term(f"{name}_bigram", gram) for name in TEXT_FIELDS]) for gram in grams]

    def whole_text_bigrams(self, text: str) -> Q.Query | None:
        options = []
        for name in TEXT_FIELDS:
            boost = self.weights.title if name == "title" else self.weights.body
            bigram = self.bigram(f"{name}_bigram", text, False, partial=True)
            if bigram is not None:
                options.append(boosted(bigram, boost * self.weights.bigram))
        if not options:
            return None
        return options[0] if len(options) == 1 else Q.Or(options)

    def morph(
        self,
        fieldname: str,
        text: str,
        phrase: bool,
        partial: bool = False,
        in_context: list[Any] | None = None,
    ) -> Q.Query | None:
        """The word's morphemes: all of them, or (``partial``) any of them. ``in_context``:
        its tokens from the whole query's analysis (else the word is analysed alone)."""
        analysed = (
            in_context
            if in_context is not None
            else self.morphemes(text, positions=True, mode="query")
        )
        tokens = [t for t in analysed if not t.is_part]
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
                    Q.Or([Q.Term(fieldname, token.text), self.side_by_side(fieldname, token)])
                )
            else:
                terms.append(Q.Term(fieldname, token.text))
        unique = list(dict.fromkeys(terms))
        whole = _whole_word(text, tokens)
        if partial:
            unique += [Q.Term(fieldname, whole)] if whole else []
            return unique[0] if len(unique) == 1 else Q.Or(unique)
        every = unique[0] if len(unique) == 1 else Q.And(unique)
        return Q.Or([every, Q.Term(fieldname, whole)]) if whole else every

    def side_by_side(self, fieldname: str, token) -> Q.Query:
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
            self.bigram(bigram_field, token.text, phrase=False)
            if bigram_field in self.schema
            else None
        )
        if adjacent is None:
            return Q.Phrase(fieldname, list(token.compound_parts))
        return Q.Require(together, adjacent)

    def bigram(
        self,
        fieldname: str,
        text: str,
        phrase: bool,
        partial: bool = False,
        in_sequence: bool = True,
    ) -> Q.Query | None:
        """Bigrams of a word: all of them in sequence (a match holds the word: 아리수 is
        아리 then 리수, not 항아리 and 분리수거 in one text; bigrams run across spaces, so
        광화문광장 still finds 광화문 광장), all of them anywhere (``in_sequence`` off: a
        document counted as holding some of a relaxed query's words, 치료비 in 치료 관리비
        and 의료비), or (``partial``, for any-word queries) any of them, so an inflected
        word (설립되었는가) still earns credit for its stem's bigrams."""
        grams = [t.text for t in self._bigrams(text, positions=True, mode="query")]
        if not grams:
            return None
        if len(grams) == 1:
            return Q.Term(fieldname, grams[0])
        if phrase or (in_sequence and not partial):
            return Q.Phrase(fieldname, grams)
        terms = [Q.Term(fieldname, g) for g in dict.fromkeys(grams)]
        return Q.Or(terms) if partial else Q.And(terms)


def _whole_word(text: str, tokens: list[Any]) -> str | None:
    """The Korean word typed, without its particle, when the tagger split it into other
    morphemes (이명박이 -> 명박): documents where it was read whole hold it as one term."""
    stem = next(particle_stems(text), None)
    if stem is None or len(stem) < 2 or not _HANGUL_WORD.match(stem):
        return None
    if any(token.text == stem for token in tokens):
        return None
    return stem


def boosted(query: Q.Query, boost: float) -> Q.Query:
    query.boost = boost
    return query
