"""Whoosh analyzers for Korean and English policy text.

Two analyzers, both with exact character offsets (``text[t.startchar:t.endchar]``
is always the surface a token came from):

* :class:`MixedScriptTokenizer` splits text into runs of script. Hangul runs go
  to a KoNLPy tagger and keep content morphemes (nouns, roots, verb and adjective
  stems); compound nouns are indexed whole and as their parts, like Nori's
  "mixed" decompounding. Latin runs are lowercased, stop words dropped and
  Porter-stemmed; numbers and Hanja are kept as written.
* :class:`HangulBigramTokenizer` emits overlapping Hangul character bigrams,
  also across spaces, to rescue unknown words, wrong segmentation and spacing
  errors. It feeds a secondary field weighted below the morpheme fields.

Whoosh pickles analyzers into the index schema, so neither holds a tagger:
taggers live in :mod:`indexer.taggers`, one per process (per thread for Mecab).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from whoosh.analysis import STOP_WORDS, Token, Tokenizer
from whoosh.lang.porter import stem as porter_stem

from indexer.analysis.bigrams import HangulBigramTokenizer, bigram_analyzer
from indexer.analysis.taggers import RESOURCES_DIR, get_tagger
from indexer.analysis.tokens import Piece, Posting, make_token, piece_postings, piece_tokens
from indexer.errors import ConfigError

# Indexes built before the bigram tokenizer moved to bigrams.py name it here.
__all__ = ["HangulBigramTokenizer", "MixedScriptTokenizer", "bigram_analyzer", "morpheme_analyzer"]

HANGUL_CHARS = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
HANJA_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
LATIN_CHARS = "A-Za-z\u00c0-\u024f"

# One alternative per kind of run; Hangul words separated only by whitespace stay
# together so the tagger sees them in context.
_RUNS = re.compile(
    rf"(?P<hangul>[{HANGUL_CHARS}]+(?:\s+[{HANGUL_CHARS}]+)*)"
    rf"|(?P<latin>[{LATIN_CHARS}]+(?:['\u2019][{LATIN_CHARS}]+)*)"
    rf"|(?P<number>\d+(?:[.,]\d+)*)"
    rf"|(?P<hanja>[{HANJA_CHARS}]+)"
)
_WHITESPACE = re.compile(r"\s")

# Sejong tags (Mecab, Komoran) and Okt's tags of morphemes worth indexing.
CONTENT_TAGS = frozenset(
    {
        "NNG",
        "NNP",
        "NR",
        "XR",
        "VV",
        "VA",
        "SL",
        "SH",
        "SN",
        "NA",
        "UNKNOWN",
        "Noun",
        "Verb",
        "Adjective",
        "Alpha",
        "Number",
        "Foreign",
        "Unknown",
        "ProperNoun",
    }
)
NOUN_TAGS = frozenset({"NNG", "NNP", "Noun", "ProperNoun"})
# Stems so common in policy prose that they only add noise.
KOREAN_STOP_STEMS = frozenset({"하", "되", "있", "없", "않", "이", "같", "위하", "통하", "대하"})
ENGLISH_STOP_WORDS = frozenset(STOP_WORDS)
MAX_TAGGER_CHUNK_CHARS = 4000

SHIPPED_USER_DICTIONARY = RESOURCES_DIR / "userdic.txt"


def load_user_terms(extra_file: str | Path | None = None) -> tuple[str, ...]:
    """Terms from the shipped user dictionary plus an optional extra file."""
    files = [SHIPPED_USER_DICTIONARY] + ([Path(extra_file)] if extra_file else [])
    terms: set[str] = set()
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"The user dictionary {path} cannot be read ({exc}). Fix the "
                "setting user_dictionary or the file."
            ) from None
        for line in text.splitlines():
            term = line.split("\t")[0].strip()
            if term and not term.startswith("#"):
                terms.add(term)
    return tuple(sorted(terms))


@lru_cache(maxsize=8)
def _user_term_pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    hangul_terms = [t for t in terms if re.fullmatch(rf"[{HANGUL_CHARS}]+", t)]
    if not hangul_terms:
        return None
    # Longest first, so 광화문광장 wins over a shorter term inside it.
    ordered = sorted(hangul_terms, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in ordered))


def _english_pieces(text: str, start: int, end: int) -> list[Piece]:
    """The piece of the English word text[start:end]; none for a stop word."""
    term = _english_term(text[start:end])
    return [] if term is None else [Piece(term, start, end)]


# Stemming was a tenth of a document's analysis and policy text repeats its words.
@lru_cache(maxsize=65536)
def _english_term(written: str) -> str | None:
    """The indexed form of an English word as written, or None for a stop word."""
    word = written.lower()
    if word in ENGLISH_STOP_WORDS:
        return None
    word = word.replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return porter_stem(word)


def _chunks(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Splits a long Hangul run at whitespace so one tagger call stays small."""
    while end - start > MAX_TAGGER_CHUNK_CHARS:
        cut = text.rfind(" ", start, start + MAX_TAGGER_CHUNK_CHARS)
        if cut <= start:
            cut = start + MAX_TAGGER_CHUNK_CHARS
        yield start, cut
        start = cut
    yield start, end


def _content_pieces(
    text: str, start: int, segment: str, morphemes: list, decompound: bool
) -> list[Piece]:
    """The content morphemes of ``segment`` (which starts at ``start`` in ``text``) as
    pieces with offsets, found again in the segment in order."""
    pieces: list[Piece] = []
    cursor = 0
    for morpheme in morphemes:
        found = segment.find(morpheme.surface, cursor) if morpheme.surface else -1
        if found >= 0 and not segment[cursor:found].strip():
            m_start, m_end = found, found + len(morpheme.surface)
            cursor = m_end
        else:
            # A restored form (Komoran's 하 for 했): attribute it to the rest of the word.
            word_end = segment.find(" ", cursor)
            m_start, m_end = cursor, (word_end if word_end > cursor else len(segment))
            if m_start >= m_end:
                continue
        if morpheme.tag not in CONTENT_TAGS or morpheme.lemma in KOREAN_STOP_STEMS:
            continue
        if morpheme.tag in ("SL", "Alpha", "Foreign") and segment[m_start:m_end].isascii():
            pieces.extend(_english_pieces(text, start + m_start, start + m_end))
            continue
        parts: tuple[tuple[str, int, int], ...] = ()
        if decompound and morpheme.parts:
            offset = start + m_start
            spans = []
            for part in morpheme.parts:
                spans.append((part, offset, offset + len(part)))
                offset += len(part)
            parts = tuple(spans)
        pieces.append(Piece(morpheme.lemma, start + m_start, start + m_end, parts))
    return pieces


class MixedScriptTokenizer(Tokenizer):
    """Routes each run of script to its analysis and yields tokens with exact offsets."""

    def __init__(
        self,
        tagger: str = "mecab",
        user_terms: Iterable[str] = (),
        decompound: bool = True,
    ) -> None:
        self.tagger = tagger
        self.user_terms = tuple(sorted(set(user_terms)))
        self.decompound = decompound

    def __getstate__(self) -> dict:
        # Only configuration goes into the index's pickled schema, never a tagger.
        return {"tagger": self.tagger, "user_terms": self.user_terms, "decompound": self.decompound}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, MixedScriptTokenizer) and self.__getstate__() == other.__getstate__()
        )

    def __hash__(self) -> int:
        return hash((self.tagger, self.user_terms, self.decompound))

    def pieces(self, text: str) -> list[Piece]:
        """The analysed pieces of ``text`` in order, with offsets into ``text``."""
        pieces: list[Piece] = []
        for match in _RUNS.finditer(text):
            kind = match.lastgroup
            start, end = match.span()
            if kind == "hangul":
                for chunk_start, chunk_end in _chunks(text, start, end):
                    pieces.extend(self._korean_pieces(text, chunk_start, chunk_end))
            elif kind == "latin":
                pieces.extend(_english_pieces(text, start, end))
            elif kind == "number":
                pieces.append(Piece(text[start:end].replace(",", ""), start, end))
            else:
                pieces.append(Piece(text[start:end], start, end))
        return pieces

    def postings(self, text: str) -> list[Posting]:
        """The terms of ``text`` with their positions and offsets, without a Token for
        each (what a writer indexes)."""
        return piece_postings(self.pieces(text))

    def _korean_pieces(self, text: str, start: int, end: int) -> list[Piece]:
        pattern = _user_term_pattern(self.user_terms) if self.user_terms else None
        pieces: list[Piece] = []
        cursor = start
        context_start = start  # the text after a user term is tagged with the term before it
        if pattern is not None:
            for match in pattern.finditer(text, start, end):
                pieces.extend(self._tagged_pieces(text, cursor, match.start(), context_start))
                pieces.append(self._user_term_piece(match.group(0), match.start()))
                cursor = match.end()
                context_start = match.start()
        pieces.extend(self._tagged_pieces(text, cursor, end, context_start))
        return pieces

    def _user_term_piece(self, term: str, start: int) -> Piece:
        return Piece(term, start, start + len(term), self._noun_parts(term, start))

    def _noun_parts(self, term: str, start: int) -> tuple[tuple[str, int, int], ...]:
        """Parts of a user term when the tagger splits it cleanly into two or more nouns."""
        if not self.decompound:
            return ()
        morphemes = get_tagger(self.tagger).morphemes(term)
        if len(morphemes) < 2 or any(m.tag not in NOUN_TAGS for m in morphemes):
            return ()
        if "".join(m.surface for m in morphemes) != term:
            return ()
        parts, offset = [], start
        for m in morphemes:
            parts.append((m.surface, offset, offset + len(m.surface)))
            offset += len(m.surface)
        return tuple(parts)

    def _tagged_pieces(
        self, text: str, start: int, end: int, context_start: int | None = None
    ) -> list[Piece]:
        """Content morphemes of text[start:end].

        The tagger sees text from ``context_start`` on: a particle right after a user
        term (아리수는) is tagged as a particle only when the tagger sees the noun
        before it. Morphemes that begin in that context are not returned.
        """
        if not text[start:end].strip():
            return []
        if context_start is not None and context_start < start:
            kept = [p for p in self._tagged_pieces(text, context_start, end) if p.start >= start]
            return kept
        segment = text[start:end]
        # Same length, so offsets hold; taggers treat newlines inside a run badly.
        morphemes = get_tagger(self.tagger).morphemes(_WHITESPACE.sub(" ", segment))
        return _content_pieces(text, start, segment, morphemes, self.decompound)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        assert isinstance(value, str), f"{value!r} is not a str"
        options = (mode, keeporiginal, positions, chars, removestops)
        if not tokenize:
            yield make_token(
                value, start_pos, start_char, start_char + len(value), *options, **kwargs
            )
            return
        yield from piece_tokens(self.pieces(value), start_pos, start_char, options, kwargs)


def morpheme_analyzer(
    tagger: str = "mecab", user_terms: Iterable[str] = (), decompound: bool = True
):
    """The analyzer of the title and body fields."""
    return MixedScriptTokenizer(tagger=tagger, user_terms=user_terms, decompound=decompound)
