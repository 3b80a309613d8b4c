"""A snippet: text with the matches marked as spans, rendered by each front end."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Callable

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Snippet:
    """Text with the matches marked as spans: (start, end) character offsets into
    ``text`` (Unicode code points), sorted and not overlapping. Front ends render the
    spans: ``to_html`` for pages and the API, ``marked`` for a terminal."""

    text: str
    spans: tuple[tuple[int, int], ...] = ()

    def to_html(self) -> str:
        """The text escaped, each span in one <mark>."""
        return self.marked("<mark>", "</mark>", _escape)

    def marked(self, before: str, after: str, convert: Callable[[str], str] = str) -> str:
        """The text with ``before`` and ``after`` around each span, every part converted."""
        text, output, index = self.text, [], 0
        for start, end in self.spans:
            output += [convert(text[index:start]), before, convert(text[start:end]), after]
            index = end
        output.append(convert(text[index:]))
        return "".join(output)

    def parts(self) -> list[tuple[str, bool]]:
        """The text in order as (part, marked) pairs, empty parts left out."""
        parts, index = [], 0
        for start, end in self.spans:
            parts += [(self.text[index:start], False), (self.text[start:end], True)]
            index = end
        parts.append((self.text[index:], False))
        return [(part, marked) for part, marked in parts if part]

    def __bool__(self) -> bool:
        return bool(self.text)

    def cut(self, max_chars: int, max_spans: int) -> Snippet:
        """The first ``max_chars`` characters with at most their first ``max_spans``
        spans (a span the cut goes through is dropped, never split)."""
        spans = tuple(span for span in self.spans if span[1] <= max_chars)[:max_spans]
        return Snippet(self.text[:max_chars], spans)


def join_snippets(parts: list[Snippet | str]) -> Snippet:
    """Snippets and plain strings one after another, the spans moved along."""
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    for part in parts:
        if isinstance(part, str):
            part = Snippet(part)
        spans += [(start + length, end + length) for start, end in part.spans]
        texts.append(part.text)
        length += len(part.text)
    return Snippet("".join(texts), tuple(spans))


def _escape(text: str) -> str:
    return escape(text, quote=False)


def stripped_snippet(text: str, spans: list[tuple[int, int]]) -> Snippet:
    """Without leading and trailing whitespace, spans kept on the same characters."""
    stripped = text.strip()
    if len(stripped) == len(text):
        return Snippet(text, tuple(spans))
    lead, length = len(text) - len(text.lstrip()), len(stripped)
    kept = ((max(0, start - lead), min(length, end - lead)) for start, end in spans)
    return Snippet(stripped, tuple((start, end) for start, end in kept if end > start))


def plain_snippet(text: str, snippet_chars: int) -> Snippet:
    """The start of a text, cut at a space when one is near; nothing marked."""
    text = _WHITESPACE.sub(" ", text[: snippet_chars * 2]).strip()
    if len(text) <= snippet_chars:
        return Snippet(text)
    cut = text.rfind(" ", 0, snippet_chars)
    if cut < snippet_chars // 2:
        cut = snippet_chars
    return Snippet(text[:cut] + " …")
