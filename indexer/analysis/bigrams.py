"""Hangul syllable bigrams: the analyzer of the title_bigram and body_bigram fields."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Iterator

from whoosh.analysis import Token, Tokenizer

from indexer.analysis.tokens import Posting, make_token

_SYLLABLES = re.compile(r"[\uac00-\ud7a3]+")
_GAP_OF_SPACES = re.compile(r"\s*")


class HangulBigramTokenizer(Tokenizer):
    """Overlapping Hangul syllable bigrams, joined across spaces
    (장애인 활동 -> 장애 애인 인활 활동).

    A lone syllable (with no Hangul neighbour) is emitted as a unigram.
    """

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HangulBigramTokenizer)

    def __hash__(self) -> int:
        return hash(HangulBigramTokenizer)

    def postings(self, value: str) -> list[Posting]:
        """The bigrams of ``value`` with their positions and offsets (what a writer
        indexes; the tokens below are made from these)."""
        postings: list[Posting] = []
        pos = 0
        for stream in _syllable_streams(value):
            if len(stream) == 1:
                index = stream[0]
                postings.append((value[index], pos, index, index + 1))
                pos += 1
                continue
            for first, second in pairwise(stream):
                postings.append((value[first] + value[second], pos, first, second + 1))
                pos += 1
        return postings

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
        options = (mode, keeporiginal, positions, chars, removestops)
        for text, pos, start, end in self.postings(value):
            yield make_token(
                text, start_pos + pos, start_char + start, start_char + end, *options, **kwargs
            )


def _syllable_streams(text: str) -> Iterator[list[int]]:
    """Indexes of Hangul syllables, grouped while only whitespace separates them."""
    stream: list[int] = []
    last_end = -1
    for match in _SYLLABLES.finditer(text):
        gap = text[last_end : match.start()] if last_end >= 0 else None
        if stream and (gap is None or not _GAP_OF_SPACES.fullmatch(gap)):
            yield stream
            stream = []
        stream.extend(range(match.start(), match.end()))
        last_end = match.end()
    if stream:
        yield stream


def bigram_analyzer():
    """The analyzer of the secondary Hangul bigram fields."""
    return HangulBigramTokenizer()
