"""Synonyms and translations of a query's words, with the weights they count by.

Synonyms are part of what a word matches; translations only widen a query into the
other language (the related results), and only in the directions a request asks:
English words into Korean ones by default, Korean words into English ones on request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from indexer.query.parsing import Clause, ParsedQuery, expandable
from indexer.query.synonyms import Thesaurus


@dataclass(frozen=True)
class Directions:
    """Which words a glossary translates: English ones (into Korean), Korean ones (into
    English). ``NONE`` translates nothing: the words typed and their synonyms only."""

    from_english: bool = False
    from_korean: bool = False

    def wanted(self, typed: str) -> bool:
        return self.from_english if typed.isascii() else self.from_korean

    def __bool__(self) -> bool:
        return self.from_english or self.from_korean


SHIPPED_IDIOMS = Path(__file__).resolve().parents[1] / "resources" / "idioms.txt"
MAX_REMEMBERED = 64  # queries (and words) whose expansions a builder keeps
_HANGUL_COMPOUND = re.compile(r"^[가-힣]{4,}$")  # a compound of two parts of 2+ syllables
NONE = Directions()
ENGLISH_TO_KOREAN = Directions(from_english=True)
BOTH_WAYS = Directions(from_english=True, from_korean=True)
FROM_KOREAN = Directions(from_korean=True)
# A request's ``translations`` (model/request.py TRANSLATIONS) as directions.
BY_NAME = {"en-ko": ENGLISH_TO_KOREAN, "both": BOTH_WAYS, "off": NONE}


class Expansions:
    """A thesaurus of synonyms and a glossary of translations, and their weights."""

    def __init__(
        self,
        thesaurus: Thesaurus | None = None,
        synonym_weight: float = 0.3,
        glossary: Thesaurus | None = None,
        translation_weight: float = 0.8,
    ) -> None:
        self.thesaurus = thesaurus or Thesaurus()
        self.synonym_weight = synonym_weight
        self.glossary = glossary or Thesaurus()
        self.translation_weight = translation_weight
        # Each query's expansions by direction, found once (a request asks several times).
        self._expansions: dict[tuple, dict[Clause, list[tuple[str, float]]]] = {}
        # A word's parts as the index reads it (청년월세지원: 청년, 월세, 지원), so the
        # synonyms of a part reach a compound typed without spaces; set by the builder.
        self.parts_of: Callable[[str], list[str]] = lambda word: []
        self._part_synonyms: dict[str, list[tuple[str, tuple[str, ...]]]] = {}

    def part_synonyms(self, word: str) -> list[tuple[str, tuple[str, ...]]]:
        """(part, the word with that part replaced by each of its synonyms) for each
        part of an unspaced compound that has synonyms (월세 of 청년월세지원 ->
        청년임대료지원, 청년주거비지원); none for a word with an entry of its own."""
        if word not in self._part_synonyms:
            if len(self._part_synonyms) >= MAX_REMEMBERED:
                self._part_synonyms.clear()
            self._part_synonyms[word] = self._synonyms_of_parts(word)
        return self._part_synonyms[word]

    def _synonyms_of_parts(self, word: str) -> list[tuple[str, tuple[str, ...]]]:
        if not _HANGUL_COMPOUND.match(word) or self.thesaurus.of(word):
            return []
        parts = [part for part in self.parts_of(word) if len(part) > 1 and part in word]
        if len(parts) < 2:
            return []
        found = []
        for part in dict.fromkeys(parts):
            synonyms = self.thesaurus.of(part)
            if synonyms:
                found.append((part, tuple(word.replace(part, s, 1) for s in synonyms)))
        return found

    def idiomatic(self, parsed: ParsedQuery) -> frozenset[Clause]:
        """Words that are the noun of a set phrase here (마음에 of 마음에 드는): their
        synonyms are not searched."""
        words = [c for c in parsed.clauses if expandable(c)]
        phrases = load_idioms()
        return frozenset(
            word
            for word, after in zip(words, words[1:], strict=False)
            if any(
                word.text == noun and _same_syllable_start(after.text, verb)
                for noun, verb in phrases
            )
        )

    def synonyms_used(self, parsed: ParsedQuery) -> list[tuple[str, tuple[str, ...]]]:
        """(words typed, their synonyms) for each word, part of an unspaced compound or
        entry of several words that has some; the noun of a set phrase has none."""
        set_phrases = self.idiomatic(parsed)
        words = [c for c in parsed.clauses if expandable(c) and c not in set_phrases]
        # A part's synonyms, said as the part's (월세: 임대료, 주거비).
        parts = [
            (part, self.thesaurus.of(part)) for c in words for part, _ in self.part_synonyms(c.text)
        ]
        return _entries_used(self.thesaurus, words, lambda typed: True, parts)

    def translations_used(
        self, parsed: ParsedQuery, translated: Directions
    ) -> list[tuple[str, tuple[str, ...]]]:
        """(words typed, their translations) for the words typed in the ``translated``
        directions (none for ``NONE``)."""
        if not translated:
            return []
        words = [c for c in parsed.clauses if expandable(c)]
        return _entries_used(self.glossary, words, translated.wanted)

    def of(
        self, parsed: ParsedQuery, translated: Directions = NONE
    ) -> dict[Clause, list[tuple[str, float]]]:
        """Each word's synonyms and (in the ``translated`` directions) translations with
        their weights. An English word's Korean translations count almost as the word
        (the documents are mostly Korean); a Korean word's English ones only as a
        synonym. An entry of several words typed together (sign language => 수어) gives
        its synonyms to each of its words."""
        key = (tuple(parsed.clauses), translated)
        if key in self._expansions:
            return self._expansions[key]
        words = [c for c in parsed.clauses if expandable(c)]
        found: dict[Clause, list[tuple[str, float]]] = {c: [] for c in words}
        texts = [c.text for c in words]
        tables = [(self.thesaurus, False)] + ([(self.glossary, True)] if translated else [])
        set_phrases = self.idiomatic(parsed)
        for table, glossary in tables:
            for clause in words:
                if glossary and not translated.wanted(clause.text):
                    continue
                if not glossary and clause in set_phrases:
                    continue
                weight = self._weight(clause.text, glossary)
                found[clause].extend((w, weight) for w in table.of(clause.text))
                if not glossary:
                    for _, replaced in self.part_synonyms(clause.text):
                        found[clause].extend((w, weight) for w in replaced)
            for start, end, targets in table.of_words(texts):
                typed = " ".join(texts[start:end])
                if glossary and not translated.wanted(typed):
                    continue
                weight = self._weight(typed, glossary)
                for clause in words[start:end]:
                    known = {w for w, _ in found[clause]}
                    found[clause].extend((w, weight) for w in targets if w not in known)
        if len(self._expansions) >= MAX_REMEMBERED:  # a builder may serve many requests
            self._expansions.clear()
        self._expansions[key] = found
        return found

    def translations_of(
        self, parsed: ParsedQuery, translated: Directions
    ) -> dict[Clause, tuple[str, ...]]:
        """Each word's translations alone (in the ``translated`` directions)."""
        synonyms = {c: {w for w, _ in ws} for c, ws in self.of(parsed).items()}
        widened = self.of(parsed, translated)
        return {
            clause: tuple(w for w, _ in words if w not in synonyms.get(clause, ()))
            for clause, words in widened.items()
        }

    def _weight(self, typed: str, glossary: bool) -> float:
        return self.translation_weight if glossary and typed.isascii() else self.synonym_weight


def _entries_used(
    table: Thesaurus,
    words: list[Clause],
    wanted: Callable[[str], bool],
    parts: list[tuple[str, tuple[str, ...]]] | None = None,
) -> list[tuple[str, tuple[str, ...]]]:
    """(words typed, what ``table`` gives them) for each word, then ``parts`` (a
    compound's parts), then each entry of several words typed together, for the words
    ``wanted``."""
    # The entry found, not the word as typed: 어르신이 is said as 어르신.
    used = [entry for c in words if wanted(c.text) and (entry := table.entry(c.text))[1]]
    used += parts or []
    texts = [c.text for c in words]
    for start, end, found in table.of_words(texts):
        typed = " ".join(texts[start:end])
        if wanted(typed):
            used.append((typed, found))
    return used


@lru_cache(maxsize=1)
def load_idioms() -> tuple[tuple[str, str], ...]:
    """(noun with its particle, the verb's first syllable) of each shipped set phrase."""
    phrases = []
    for line in SHIPPED_IDIOMS.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 2:
            phrases.append((words[0], words[1][0]))
    return tuple(phrases)


def _same_syllable_start(word: str, syllable: str) -> bool:
    """Whether ``word`` starts with ``syllable`` up to its final consonant (드는 and 든
    start as 들 does): a verb's forms keep its first syllable's initial and vowel."""
    if not word or not ("가" <= word[0] <= "힣" and "가" <= syllable <= "힣"):
        return False
    return (ord(word[0]) - 0xAC00) // 28 == (ord(syllable) - 0xAC00) // 28
