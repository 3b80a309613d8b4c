"""Synonyms and translations of a query's words, with the weights they count by."""

from __future__ import annotations

from indexer.query.parsing import Clause, ParsedQuery, expandable
from indexer.query.synonyms import Thesaurus


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
        self._expansions_key: tuple[Clause, ...] = ()
        self._expansions: dict[Clause, list[tuple[str, float]]] = {}

    def synonyms_used(
        self, parsed: ParsedQuery, glossary: bool = False, from_english: bool = True
    ) -> list[tuple[str, tuple[str, ...]]]:
        """(words typed, their synonyms) for each word or entry of several words that has
        some; with ``glossary``, (words typed, their translations) instead: English words
        and their Korean translations, or (``from_english`` False) Korean words and
        their English ones."""
        table = self.glossary if glossary else self.thesaurus

        def wanted(typed: str) -> bool:
            return not glossary or typed.isascii() == from_english

        words = [c for c in parsed.clauses if expandable(c)]
        # The entry found, not the word as typed: 어르신이 is said as 어르신.
        used = [entry for c in words if wanted(c.text) and (entry := table.entry(c.text))[1]]
        texts = [c.text for c in words]
        for start, end, found in table.of_words(texts):
            typed = " ".join(texts[start:end])
            if wanted(typed):
                used.append((typed, found))
        return used

    def of(self, parsed: ParsedQuery) -> dict[Clause, list[tuple[str, float]]]:
        """Each word's synonyms and translations with their weights. An English word's
        Korean translations count almost as the word (the documents are mostly Korean); a
        Korean word's English ones only as a synonym, so they reach English articles without
        reordering the Korean results. An entry of several words typed together (sign
        language => 수어) gives its synonyms to each of its words."""
        key = tuple(parsed.clauses)
        if key == self._expansions_key:
            return self._expansions
        words = [c for c in parsed.clauses if expandable(c)]
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
