"""Synonyms at query time: the words users type (어르신, 병원비, 월세) also find the words
documents use (노인, 의료비, 임대료), weighted below the words typed, with no reindex.

The shipped thesaurus (resources/synonyms.txt) and an operator's file (setting
synonyms_file) use the Solr / Elasticsearch synonym format: ``a, b, c`` makes the words
interchangeable, ``a => b, c`` lets a also find b and c. A typed word matches an entry as
typed or without a trailing particle (어르신들의 -> 어르신). An entry of several words
(``sign language => 수어``) matches those words typed next to each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Mapping

from indexer.analysis.particles import particle_stems
from indexer.errors import ConfigError
from indexer.reading.documents import normalize_text

SHIPPED_SYNONYMS = Path(__file__).resolve().parents[1] / "resources" / "synonyms.txt"
SHIPPED_GLOSSARY = Path(__file__).resolve().parents[1] / "resources" / "glossary.txt"


@dataclass(frozen=True)
class Thesaurus:
    # An entry's key: its words, space-separated (one word for most entries).
    expansions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def of(self, word: str) -> tuple[str, ...]:
        """The synonyms of a typed word (without the word itself), or ()."""
        return self.entry(word)[1]

    def entry(self, word: str) -> tuple[str, tuple[str, ...]]:
        """The entry a typed word finds (the word, or its stem without a particle:
        어르신이 finds 어르신) and its synonyms; ("", ()) when none."""
        key = normalize_text(word).lower()
        found = self.expansions.get(key)
        if found is not None:
            return key, found
        # A one-syllable stem is left alone: 낮은 is the adjective 낮다, not 낮 + 은.
        for stem in (stem for stem in particle_stems(key) if len(stem) > 1):
            found = self.expansions.get(stem)
            if found is not None:
                return stem, found
        return "", ()

    @cached_property
    def words(self) -> frozenset[str]:
        """Every word of the thesaurus, as entries and as synonyms: the vocabulary of
        policy terms, which a correction prefers (기초연굼 -> 기초연금, not 기초연구)."""
        return frozenset(self.expansions) | frozenset(
            word for synonyms in self.expansions.values() for word in synonyms
        )

    @cached_property  # read for every query typed; the entries never change
    def longest_entry(self) -> int:
        return max((key.count(" ") + 1 for key in self.expansions), default=1)

    def of_words(self, words: list[str]) -> list[tuple[int, int, tuple[str, ...]]]:
        """Entries of several words found in a run of typed words: (first, end, synonyms)
        for each, longest first from the left; the last word may carry a particle."""
        found = []
        longest = self.longest_entry
        start = 0
        while start < len(words):
            for end in range(min(len(words), start + longest), start + 1, -1):
                head = " ".join(normalize_text(w).lower() for w in words[start : end - 1])
                targets = self.of(f"{head} {words[end - 1]}")
                if targets:
                    found.append((start, end, targets))
                    start = end
                    break
            else:
                start += 1
        return found


def parse_synonyms(lines: Iterable[str], where: str) -> dict[str, list[str]]:
    """word -> the words it also finds, from lines in the Solr format."""
    expansions: dict[str, list[str]] = {}
    for number, line in enumerate(lines, start=1):
        line = normalize_text(line.split("#", 1)[0]).strip()
        if not line:
            continue
        left, arrow, right = line.partition("=>")
        sources = _words(left)
        targets = _words(right) if arrow else sources
        if not sources or not targets or (arrow and not right.strip()) or "=>" in right:
            raise ConfigError(
                f"{where} line {number}: expected 'a, b, c' or 'a => b, c', got {line!r}."
            )
        for source in sources:
            known = expansions.setdefault(source, [])
            known.extend(t for t in targets if t != source and t not in known)
    return expansions


def _words(text: str) -> list[str]:
    return [" ".join(word.lower().split()) for word in text.split(",") if word.strip()]


@lru_cache(maxsize=8)
def load_thesaurus(shipped: bool, extra_file: str = "") -> Thesaurus:
    """The shipped thesaurus (unless ``shipped`` is off) plus an operator's file."""
    merged: dict[str, list[str]] = {}
    sources = [SHIPPED_SYNONYMS] if shipped else []
    if extra_file:
        sources.append(Path(extra_file))
    for path in sources:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"Cannot read the synonyms file {path}: {exc.strerror}.") from None
        for word, targets in parse_synonyms(lines, str(path)).items():
            known = merged.setdefault(word, [])
            known.extend(t for t in targets if t not in known)
    return Thesaurus({word: tuple(targets) for word, targets in merged.items()})


@lru_cache(maxsize=1)
def load_glossary() -> Thesaurus:
    """The English <-> Korean glossary (resources/glossary.txt): each English word finds
    its Korean words, and each Korean word there finds the English word."""
    forward = parse_synonyms(
        SHIPPED_GLOSSARY.read_text(encoding="utf-8").splitlines(), str(SHIPPED_GLOSSARY)
    )
    both: dict[str, list[str]] = {english: list(korean) for english, korean in forward.items()}
    for english, korean in forward.items():
        for word in korean:
            found = both.setdefault(word, [])
            if english not in found:
                found.append(english)
    return Thesaurus({word: tuple(targets) for word, targets in both.items()})
