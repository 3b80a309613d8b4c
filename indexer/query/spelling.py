"""Typos and keyboard slips, corrected from the index's own vocabulary.

Words are compared as jamo (아리수 -> ㅇㅏㄹㅣㅅㅜ), so 일지리 is one vowel from 일자리 and
지언 one from 지원. The vocabulary is the Hangul morpheme terms of titles and bodies with
their document frequencies, read once per committed index state; nearest terms come
from SymSpell (symspellpy: deletion neighbourhoods, fast at any vocabulary size).
Keyboard slips are Hangul typed with the keyboard in Latin mode (dkfltn -> 아리수) and
English typed in Hangul mode (ㅛㅐㅕ소 -> youth); the 2-set layout and syllable
composition are hangul-keyboard's (MIT).

A word is misspelled when no document holds it (its word query matches nothing); a
correction is offered only when documents hold the corrected word.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Callable, Collection, Iterable, Iterator

from hangul_keyboard import convert_roman_to_hangul, decompose_hangul_full
from hangul_keyboard.mapping import DOUBLE_JAMO_PAIR, ROMAN_TO_JAMO
from symspellpy import SymSpell, Verbosity

from indexer.analysis.morphemes import ENGLISH_STOP_WORDS
from indexer.analysis.taggers import get_tagger

CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_SYLLABLES = re.compile(r"^[가-힣]+$")
_HANGUL_ONLY = re.compile(r"^[가-힣ㄱ-ㅣ]+$")
_LETTERS = re.compile(r"^[A-Za-z]+$")
_SHIFTED_KEYS = frozenset("QWERTOP")  # Shift gives another jamo only on these keys
_KEYS_OF_JAMO = {jamo: key for key, jamo in ROMAN_TO_JAMO.items()}
_KEYS_OF_JAMO.update({jamo: keys for keys, jamo in DOUBLE_JAMO_PAIR.items()})
MIN_TERM_SYLLABLES = 2
# Edits allowed, in jamo, by the jamo length of the word: short words get one.
SHORT_WORD_JAMO = 9
SYMSPELL_PREFIX = 7
MAX_INITIALS_SCANNED = 2000  # terms ranked for one prefix (of initials or syllables)
# Tags of a stretch the tagger's dictionary does not hold (Mecab, Komoran, Okt).
UNKNOWN_TAGS = frozenset({"UNKNOWN", "NA", "Unknown"})
PREDICATE_TAGS = frozenset({"VV", "VA", "Verb", "Adjective"})


def jamo(text: str) -> str:
    """Hangul syllables as their compatibility jamo (compound vowels kept whole)."""
    return "".join(decompose_hangul_full(text))


def choseong(term: str) -> str:
    """Initial consonants of a word of Hangul syllables (아리수 -> ㅇㄹㅅ)."""
    return "".join(CHOSEONG[(ord(ch) - 0xAC00) // 588] for ch in term)


def is_choseong(text: str) -> bool:
    return bool(text) and all(ch in CHOSEONG for ch in text)


def keyboard_to_hangul(word: str) -> str | None:
    """The Hangul a word of Latin letters would have been with the keyboard in Hangul
    mode, or None when the keys do not make whole syllables."""
    if not _LETTERS.match(word):
        return None
    keys = "".join(ch if ch in _SHIFTED_KEYS else ch.lower() for ch in word)
    hangul = _split_double_finals(convert_roman_to_hangul(keys))
    return hangul if _SYLLABLES.match(hangul) else None


# A double final's two consonants: the final the syllable keeps and the initial it gives
# the next (indices of Unicode's syllable arithmetic: finals 0-27, initials 0-18).
_DOUBLE_FINALS = {"ㄳ": (1, 9), "ㄵ": (4, 12), "ㄶ": (4, 18), "ㄺ": (8, 0), "ㄻ": (8, 6),
                  "ㄼ": (8, 7), "ㄽ": (8, 9), "ㄾ": (8, 16), "ㄿ": (8, 17), "ㅀ": (8, 18),
                  "ㅄ": (17, 9)}  # fmt: skip
_VOWEL_JAMO = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"


def _split_double_finals(text: str) -> str:
    """A double final left as a lone jamo before a vowel (미세머ㄵㅣ, as hangul-keyboard
    composes 미세먼지 typed in Latin mode) split: its first consonant closes the syllable
    before, its second opens a syllable with the vowel."""
    chars = list(text)
    for at in range(1, len(chars) - 1):
        before = ord(chars[at - 1]) - 0xAC00
        vowel = _VOWEL_JAMO.find(chars[at + 1])
        split = _DOUBLE_FINALS.get(chars[at])
        if split and vowel >= 0 and 0 <= before < 11172 and before % 28 == 0:
            kept, initial = split
            chars[at - 1] = chr(0xAC00 + before + kept)
            chars[at] = chr(0xAC00 + (initial * 21 + vowel) * 28)
            chars[at + 1] = ""
    return "".join(chars)


def hangul_to_keyboard(word: str) -> str | None:
    """The Latin keys behind a word of Hangul typed in the wrong mode (ㅛㅐㅕ소 -> youth)."""
    if not _HANGUL_ONLY.match(word):
        return None
    keys = "".join(_KEYS_OF_JAMO.get(j, "?") for j in decompose_hangul_full(word))
    return keys.lower() if _LETTERS.match(keys) else None


def _most_counted_starting(
    sorted_terms: list[str], counts: dict[str, int], prefix: str, limit: int
) -> list[tuple[str, int]]:
    """The terms of ``sorted_terms`` that start with ``prefix`` and are longer (the first
    MAX_INITIALS_SCANNED), with their counts, the most counted first."""
    start = bisect.bisect_right(sorted_terms, prefix)
    matching = []
    for term in sorted_terms[start : start + MAX_INITIALS_SCANNED]:
        if not term.startswith(prefix):
            break
        matching.append((term, counts[term]))
    return sorted(matching, key=lambda item: (-item[1], item[0]))[:limit]


class Vocabulary:
    """The index's Hangul terms with their document frequencies, for corrections and
    initial-consonant suggestions. Counts of the same term (fields, segments) add up;
    the title's own counts are kept too (of_fields), for completions in context."""

    def __init__(self, terms: Iterable[tuple[str, int]]) -> None:
        counts: dict[str, int] = {}
        for term, count in terms:
            if len(term) >= MIN_TERM_SYLLABLES and _SYLLABLES.match(term):
                counts[term] = counts.get(term, 0) + count
        self._counts = counts
        self.terms = frozenset(counts)
        self._by_jamo = {jamo(term): term for term in self.terms}
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=SYMSPELL_PREFIX)
        for key in self._by_jamo:
            self._symspell.create_dictionary_entry(key, 1)
        self._initials = sorted((choseong(term), term) for term in self.terms)
        self._sorted = sorted(self.terms)
        self._titled: dict[str, int] = {}
        self._titled_sorted: list[str] = []

    @classmethod
    def from_counts(cls, counts: dict[str, int]) -> Vocabulary:
        return cls(counts.items())

    @classmethod
    def of_fields(cls, rows: Iterable[tuple[str, str, int]]) -> Vocabulary:
        """From (field, term, document frequency) rows of the text fields."""
        titled: dict[str, int] = {}

        def terms() -> Iterator[tuple[str, int]]:
            for fieldname, term, count in rows:
                if fieldname == "title":
                    titled[term] = titled.get(term, 0) + count
                yield term, count

        vocabulary = cls(terms())
        vocabulary._titled = {t: n for t, n in titled.items() if t in vocabulary.terms}
        vocabulary._titled_sorted = sorted(vocabulary._titled)
        return vocabulary

    def title_completions(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Terms of titles that start with ``prefix`` and are longer, in the most titles
        first (counts of titles)."""
        return _most_counted_starting(self._titled_sorted, self._titled, prefix, limit)

    def count(self, term: str) -> int:
        return self._counts.get(term, 0)

    def closest(self, word: str) -> str | None:
        """The most frequent known term nearest to ``word`` in jamo, or None. A word that
        is a term itself is never corrected (정년 is not a typo of the commoner 청년)."""
        nearest = self.nearest(word)
        return nearest[0] if nearest else None

    def nearest(self, word: str) -> list[str]:
        """Every known term as near to ``word`` as the nearest, most frequent first."""
        if word in self.terms or not _SYLLABLES.match(word):
            return []
        key = jamo(word)
        distance = 1 if len(key) <= SHORT_WORD_JAMO else 2
        found = self._symspell.lookup(key, Verbosity.ALL, max_edit_distance=distance)
        if not found:
            return []
        least = min(item.distance for item in found)
        terms = {self._by_jamo[item.term] for item in found if item.distance == least}
        return sorted(terms, key=lambda term: (self.count(term), term), reverse=True)

    def completions(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Terms that start with ``prefix`` and are longer, most frequent first."""
        return _most_counted_starting(self._sorted, self._counts, prefix, limit)

    def with_initials(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Terms whose initial consonants start with ``prefix`` (ㅇㄹㅅ -> 아리수), most
        frequent first."""
        start = bisect.bisect_left(self._initials, (prefix, ""))
        matching = []
        for initials, term in self._initials[start : start + MAX_INITIALS_SCANNED]:
            if not initials.startswith(prefix):
                break
            matching.append((term, self.count(term)))
        return sorted(matching, key=lambda item: (-item[1], item[0]))[:limit]


def correct(
    text: str,
    holds: Callable[[str], bool],
    vocabulary: Vocabulary,
    analyzer: Callable[..., Iterable[Any]],
    held_too: bool = False,
    preferred: Collection[str] = frozenset(),
    keep_dictionary_words: bool = False,
) -> str | None:
    """The query with each word no document holds replaced by one that documents hold
    (a keyboard slip undone, or the nearest terms in jamo); None when nothing changes.
    With ``held_too`` (no document had every word) a word that is no term of the index
    but that documents hold inside longer words is corrected too (지언 -> 지원). Quoted
    phrases, exclusions and field:value words are left as typed. A held word whose
    morphemes are all terms of the index is right as typed (전지현의 is 전지현 + 의, not a
    typo of 전지현); morphemes are read in the whole text, as the tagger reads the query.
    Among equally near corrections, one that makes a word of ``preferred`` (the policy
    terms of the thesaurus) wins. A Korean word the tagger's dictionary reads whole is
    never taken for a keyboard slip (챈 is not "cos"), nor corrected when it is a verb
    or an adjective (걸린 is not a typo of 걸리), and with
    ``keep_dictionary_words`` (a question, whose words are often in no policy document:
    피살, 도둑질) it is never corrected at all."""
    tagger = get_tagger(analyzer.tagger) if hasattr(analyzer, "tagger") else None
    tags: dict[int, list[str]] | None = None  # read once, when a word is to be corrected
    output = []
    analysed = [t for t in analyzer(text, chars=True, mode="query") if not t.is_part]
    words = text.split()
    for at, match in enumerate(re.finditer(r"\S+", text)):
        word = match.group()
        # The word's morphemes as (start, end) within the word.
        spans = [
            (t.startchar - match.start(), t.endchar - match.start())
            for t in analysed
            if match.start() <= t.startchar < match.end()
        ]
        fixed = None
        as_typed = word.startswith(("-", '"')) or ":" in word or word.endswith('"')
        # A Korean word with no content morpheme (너무, 많이) is no term of any index,
        # nor is an English stop word (for, and): neither is a typo or a keyboard slip.
        as_typed = as_typed or (not spans and bool(_SYLLABLES.match(word)))
        as_typed = as_typed or word.lower() in ENGLISH_STOP_WORDS
        if as_typed or not (
            not holds(word) or (held_too and not _terms_known(word, spans, vocabulary))
        ):
            output.append(word)
            continue
        if tags is None:
            tags = _tags_by_word(text, tagger) if tagger is not None else {}
        word_tags = tags.get(match.start(), [])
        korean = bool(_SYLLABLES.match(word) and word_tags and not set(word_tags) & UNKNOWN_TAGS)
        # A verb or adjective the dictionary reads (걸린, 챈) is no typo of a policy term;
        # a noun with a verb after it may be (장학끔 reads as 장학 + 끄 + ㅁ).
        predicate = bool(word_tags) and word_tags[0] in PREDICATE_TAGS
        if not (korean and (keep_dictionary_words or predicate)):
            fixed = _corrected_word(word, spans, holds, vocabulary, preferred, not korean)
            fixed = _spaced_policy_term(word, words, at, vocabulary, preferred) or fixed
        output.append(fixed or word)
    corrected = " ".join(output)
    return corrected if corrected != " ".join(text.split()) else None


def _spaced_policy_term(
    word: str, words: list[str], at: int, vocabulary: Vocabulary, preferred: Collection[str]
) -> str | None:
    """A correction of ``word`` (the ``at``-th of ``words``) that makes a policy term
    with the word before or after it, typed apart: 기초 연굼 is 기초 연금 (기초연금), not
    the commoner 기초 연구."""
    before = words[at - 1] if at > 0 else ""
    after = words[at + 1] if at + 1 < len(words) else ""
    for option in vocabulary.nearest(word):
        if before + option in preferred or option + after in preferred:
            return option
    return None


def _tags_by_word(text: str, tagger: Any) -> dict[int, list[str]]:
    """The tags of each word's morphemes (by the word's start in ``text``), as the
    tagger reads the whole text (걸린 alone is a name; in 치매 걸린 부모, a verb)."""
    starts = [match.start() for match in re.finditer(r"\S+", text)]
    found: dict[int, list[str]] = {}
    cursor = 0
    for morpheme in tagger.morphemes(text):
        at = text.find(morpheme.surface, cursor) if morpheme.surface else -1
        if at < 0:
            continue  # a restored form (Komoran): placed by the one before
        cursor = at + len(morpheme.surface)
        word_start = starts[bisect.bisect_right(starts, at) - 1] if starts else 0
        found.setdefault(word_start, []).append(morpheme.tag)
    return found


def _terms_known(word: str, spans: list[tuple[int, int]], vocabulary: Vocabulary) -> bool:
    """Whether each morpheme of ``word`` long enough to correct is a term of the index."""
    return all(
        word[start:end] in vocabulary.terms
        for start, end in spans
        if end - start >= MIN_TERM_SYLLABLES and _SYLLABLES.match(word[start:end])
    )


def _corrected_word(
    word: str,
    spans: list[tuple[int, int]],
    holds: Callable[[str], bool],
    vocabulary: Vocabulary,
    preferred: Collection[str] = frozenset(),
    slips: bool = True,
) -> str | None:
    """``slips``: the word may be a keyboard slip (no Korean word it reads as)."""
    slip = keyboard_to_hangul(word) or (hangul_to_keyboard(word) if slips else None)
    if slip and holds(slip):
        return slip
    nearest = vocabulary.closest(word)  # the whole word (일지리 -> 일자리)
    whole = nearest if nearest and holds(nearest) else None
    if whole in preferred:
        return whole
    # Else the unknown morphemes of the word (지언 of 장애인활동지언), replaced in place;
    # single syllables are too short to correct safely.
    fixed = word
    for start, end in sorted(spans, key=lambda span: -span[0]):
        surface = word[start:end]
        if len(surface) >= MIN_TERM_SYLLABLES:
            replacement = vocabulary.closest(surface)
            if replacement:
                fixed = fixed[:start] + replacement + fixed[end:]
    by_parts = fixed if fixed != word and holds(fixed) else None
    by_runs = _corrected_unknown_runs(word, spans, holds, vocabulary, preferred)
    found = [option for option in (whole, by_parts, by_runs) if option]
    # A policy term (기초연금) before a commoner word as near (the term 기초연구).
    return next((option for option in found if option in preferred), found[0] if found else None)


def _corrected_unknown_runs(
    word: str,
    spans: list[tuple[int, int]],
    holds: Callable[[str], bool],
    vocabulary: Vocabulary,
    preferred: Collection[str],
) -> str | None:
    """The word with its stretches that no known term covers corrected. A typo inside a
    word typed without spaces comes out of the tagger as syllables it does not know, or
    not at all (기초연굼 is 기초 + 굼: 연 is dropped), so the stretch after the known
    terms is corrected whole (연굼 -> 연금), else two syllables at a time (카느 -> 카드)."""
    known = [False] * len(word)
    for start, end in spans:
        if word[start:end] in vocabulary.terms:
            known[start:end] = [True] * (end - start)
    fixed = word
    for start, end in reversed(_runs(word, known)):
        if end - start < MIN_TERM_SYLLABLES:
            # One unknown syllable after a known term is corrected with it (장려굼 of
            # 근로장려굼 -> 장려금): alone it is too short to correct.
            start = max((s for s, e in spans if e == start and e - s >= 1), default=start)
        run = word[start:end]
        options = [
            fixed[:start] + term + fixed[end:]
            for term in (vocabulary.nearest(run) if len(run) >= MIN_TERM_SYLLABLES else [])
        ]
        for at in range(len(run) - MIN_TERM_SYLLABLES, -1, -1):
            if options:
                break
            pair = run[at : at + MIN_TERM_SYLLABLES]
            options = [
                fixed[:start] + run[:at] + term + run[at + len(pair) :] + fixed[end:]
                for term in vocabulary.nearest(pair)
            ]
        # A policy term (a word of the thesaurus) before a commoner one.
        options.sort(key=lambda option: option not in preferred)
        fixed = next((option for option in options if holds(option)), fixed)
    return fixed if fixed != word and holds(fixed) else None


def _runs(word: str, known: list[bool]) -> list[tuple[int, int]]:
    """Maximal stretches of Hangul syllables not covered by a known term."""
    runs, start = [], None
    for at, char in enumerate(word + " "):
        unknown = at < len(word) and not known[at] and bool(_SYLLABLES.match(char))
        if unknown and start is None:
            start = at
        elif not unknown and start is not None:
            runs.append((start, at))
            start = None
    return runs
