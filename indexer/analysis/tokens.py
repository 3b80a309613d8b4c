"""Whoosh tokens with exact offsets: what both tokenizers (analysis.py, bigrams.py) emit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from whoosh.analysis import Token


@dataclass(frozen=True)
class Piece:
    text: str
    start: int
    end: int
    parts: tuple[tuple[str, int, int], ...] = ()  # compound parts with their offsets


def piece_tokens(
    pieces: Iterable[Piece], start_pos: int, start_char: int, options: tuple, kwargs: dict
) -> Iterator[Token]:
    """The tokens of analysed pieces: each piece, then its compound parts at its position."""
    mode, keeporiginal, positions, chars, removestops = options
    pos = start_pos
    for piece in pieces:
        compound = tuple(p[0] for p in piece.parts)
        yield make_token(
            piece.text,
            pos,
            start_char + piece.start,
            start_char + piece.end,
            mode,
            keeporiginal,
            positions,
            chars,
            removestops,
            compound_parts=compound,
            is_part=False,
            **kwargs,
        )
        if not piece.parts:
            pos += 1
            continue
        for part_text, part_start, part_end in piece.parts:
            yield make_token(
                part_text,
                pos,
                start_char + part_start,
                start_char + part_end,
                mode,
                keeporiginal,
                positions,
                chars,
                removestops,
                compound_parts=(),
                is_part=True,
                **kwargs,
            )
            pos += 1


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
