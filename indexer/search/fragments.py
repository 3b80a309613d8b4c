"""Snippets from the matches' character offsets: the best passages of a text around the
matched words, or the whole text, with every match a span.

Both backends give the matches ((start, end, word) of every occurrence of a matched
term: the Whoosh engine from the offsets stored in the index, the cluster by analysing
the stored text again), and this module alone decides what a snippet shows.

It chooses as Whoosh's highlighter did with PinpointFragmenter and BasicFragmentScorer
(tests/test_fragments.py keeps it to that), without a Token object per match:
building those was most of the marking time on bench/perf.py's queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from heapq import nlargest
from typing import NamedTuple

from indexer.model.snippets import Snippet, join_snippets, stripped_snippet

_WHITESPACE = re.compile(r"\s+")
# Matches ending past this character are not marked in a passage (Whoosh's default
# character limit): scanning a whole long body for them would not change the snippet.
PASSAGE_CHAR_LIMIT = 2**15
BETWEEN_PASSAGES = " … "


class Match(NamedTuple):
    start: int
    end: int
    word: str


class Fragment(NamedTuple):
    start: int
    end: int
    matches: list[Match]


@dataclass(frozen=True)
class MarkStyle:
    """How a field is marked: its best ``passages`` (None: the whole text as one), each
    up to ``passage_chars`` of matches with ``surround_chars`` of text on either side;
    ``keep_whitespace`` for a whole document's line breaks."""

    passages: int | None
    passage_chars: int = 0
    surround_chars: int = 0
    keep_whitespace: bool = False


def snippet_style(snippet_chars: int) -> MarkStyle:
    """A result's snippet: the two best passages, which together stay near
    ``snippet_chars``."""
    return MarkStyle(2, max(20, snippet_chars // 2), max(10, snippet_chars // 8))


TITLE_STYLE = MarkStyle(None)
WHOLE_STYLE = MarkStyle(None, keep_whitespace=True)


def marked_text(text: str, matches: list[Match], style: MarkStyle) -> Snippet | None:
    """``text`` marked at ``matches`` (in any order; at one place the longest is kept,
    the first given of equals) as ``style`` says; None when there is none to mark."""
    if not text or not matches:
        return None
    limit = PASSAGE_CHAR_LIMIT if style.passages is not None else None
    ordered = longest_at_each_start(matches, limit)
    if not ordered:
        return None
    if style.passages is None:
        chosen = [Fragment(0, len(text), ordered)]
    else:
        chosen = chosen_passages(text, ordered, style)
    return _snippet(text, chosen, style.keep_whitespace)


def longest_at_each_start(matches: list[Match], end_limit: int | None = None) -> list[Match]:
    """The matches in text order, one at each start: the longest, the first given of
    equals; those ending past ``end_limit`` left out."""
    first_at: dict[int, Match] = {}
    for match in matches:
        if end_limit is not None and match.end > end_limit:
            continue
        kept = first_at.get(match.start)
        if kept is None or match.end - match.start > kept.end - kept.start:
            first_at[match.start] = match
    return [first_at[start] for start in sorted(first_at)]


def chosen_passages(text: str, matches: list[Match], style: MarkStyle) -> list[Fragment]:
    """The ``style.passages`` best passages in text order. A passage scores its matches
    times 100 times its distinct words, plus less than one that is more for an earlier
    passage: equal passages are chosen by position, on every request alike."""
    passages = list(_passages(text, matches, style))
    # Ties of score go to the earlier start, then to the earlier passage.
    scored = [
        (len(passage.matches) * 100 * len({m.word for m in passage.matches}), -passage.start, -n)
        for n, passage in enumerate(passages)
    ]
    best = nlargest(style.passages or 1, scored)
    return sorted((passages[-minus_n] for *_, minus_n in best), key=lambda p: p.start)


def _passages(text: str, matches: list[Match], style: MarkStyle):
    """Runs of matches no further than ``surround_chars`` apart and within
    ``passage_chars``, widened by ``surround_chars`` on either side, then trimmed to
    whole words (never past a match)."""
    max_chars, surround = style.passage_chars, style.surround_chars
    last = -1
    for first, match in enumerate(matches):
        if last >= first:
            continue
        last = first
        left, right = match.start, match.end
        length = right - left
        while last < len(matches) - 1 and length < max_chars:
            following = matches[last + 1]
            if following.end - right <= surround and following.end - left <= max_chars:
                last += 1
                right = following.end
                length += following.end - following.start
            else:
                break
        held = matches[first : last + 1]
        start, end = max(0, left - surround), min(len(text), right + surround)
        yield _trimmed(text, Fragment(start, end, held))


def _trimmed(text: str, fragment: Fragment) -> Fragment:
    """From after the first space to before the last, keeping every match whole."""
    start, end = fragment.start, fragment.end
    first_space = text.find(" ", start, end)
    if first_space > 0:
        start = first_space + 1
    last_space = text.rfind(" ", start, end)
    if last_space > 0:
        end = last_space
    start = min(start, fragment.matches[0].start)
    end = max(end, fragment.matches[-1].end)
    return Fragment(start, end, fragment.matches)


def _snippet(text: str, fragments: list[Fragment], keep_whitespace: bool) -> Snippet:
    """The fragments' text (whitespace collapsed unless kept) joined by ellipses, each
    run of matched characters one span; fragments that share text become one."""
    merged: list[Fragment] = []
    for fragment in fragments:
        if merged and fragment.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Fragment(
                last.start, max(last.end, fragment.end), last.matches + fragment.matches
            )
        else:
            merged.append(fragment)
    parts: list[Snippet | str] = ["… "] if merged[0].start > 0 else []
    for number, fragment in enumerate(merged):
        if number:
            parts.append(BETWEEN_PASSAGES)
        parts.append(_fragment_snippet(text, fragment, keep_whitespace))
    if merged[-1].end < len(text):
        parts.append(" …")
    return join_snippets(parts)


def _fragment_snippet(text: str, fragment: Fragment, keep_whitespace: bool) -> Snippet:
    def shown(part: str) -> str:
        return part if keep_whitespace else _WHITESPACE.sub(" ", part)

    spans: list[list[int]] = []
    for match in sorted(fragment.matches, key=lambda m: m.start):
        start, end = max(match.start, fragment.start), min(match.end, fragment.end)
        if start >= end:
            continue
        if spans and start <= spans[-1][1]:  # overlapping bigrams: one span
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    output, marks, length, index = [], [], 0, fragment.start
    for start, end in spans:
        before, marked = shown(text[index:start]), shown(text[start:end])
        output += [before, marked]
        marks.append((length + len(before), length + len(before) + len(marked)))
        length += len(before) + len(marked)
        index = end
    output.append(shown(text[index : fragment.end]))
    return stripped_snippet("".join(output), marks)
