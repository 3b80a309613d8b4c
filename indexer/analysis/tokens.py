"""Whoosh tokens with exact offsets: what both tokenizers (analysis.py, bigrams.py) emit."""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

from whoosh.analysis import Token


# A named tuple, not a dataclass: a document's analysis makes one per term, and a frozen
# dataclass took three times as long to make.
class Piece(NamedTuple):
    text: str
    start: int
    end: int
    parts: tuple[tuple[str, int, int], ...] = ()  # compound parts with their offsets


# A term's occurrence as an index stores it: (text, position, start char, end char).
Posting = tuple[str, int, int, int]


def positioned_pieces(
    pieces: Iterable[Piece], start_pos: int = 0
) -> Iterator[tuple[str, int, int, int, tuple[str, ...], bool]]:
    """Each piece, then its compound parts at its position: (text, position, start char,
    end char, the compound's parts, whether this is a part). Tokens and postings both
    come from here, so the two agree on positions."""
    pos = start_pos
    for piece in pieces:
        if not piece.parts:
            yield piece.text, pos, piece.start, piece.end, (), False
            pos += 1
            continue
        yield piece.text, pos, piece.start, piece.end, tuple(p[0] for p in piece.parts), False
        for part_text, part_start, part_end in piece.parts:
            yield part_text, pos, part_start, part_end, (), True
            pos += 1


def piece_postings(pieces: Iterable[Piece]) -> list[Posting]:
    """The postings of analysed pieces, without a Token for each (what a writer needs)."""
    return [(text, pos, start, end) for text, pos, start, end, _, _ in positioned_pieces(pieces)]


def piece_tokens(
    pieces: Iterable[Piece], start_pos: int, start_char: int, options: tuple, kwargs: dict
) -> Iterator[Token]:
    """The tokens of analysed pieces: each piece, then its compound parts at its position."""
    mode, keeporiginal, positions, chars, removestops = options
    for text, pos, start, end, compound, is_part in positioned_pieces(pieces, start_pos):
        yield make_token(
            text,
            pos,
            start_char + start,
            start_char + end,
            mode,
            keeporiginal,
            positions,
            chars,
            removestops,
            compound_parts=compound,
            is_part=is_part,
            **kwargs,
        )


# Called once per token, so its options go positionally (keyword arguments or a wrapper
# cost 4-12% of analysis time, measured).
def make_token(
    text: str,
    pos: int,
    startchar: int,
    endchar: int,
    mode: str,
    keeporiginal: bool,
    positions: bool,
    chars: bool,
    removestops: bool,
    **attrs,
) -> Token:
    # A fresh Token each time: callers (the query builder, tests) keep tokens.
    token = Token(positions, chars, removestops=removestops, mode=mode, **attrs)
    token.text = text
    token.boost = 1.0
    token.stopped = False
    token.pos = pos
    token.startchar = startchar
    token.endchar = endchar
    if keeporiginal:
        token.original = text
    return token
