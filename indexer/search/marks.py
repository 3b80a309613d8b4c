"""Marks: Whoosh's highlighter over a field's analysed text, giving Snippets (text plus
the spans of the matches), and which query terms are not marked on their own.

The Whoosh engine hands the highlighter stored character offsets
(indexer/engines/whoosh/offsets.py); the cluster analyses the stored text again.
"""

from __future__ import annotations

import re

from whoosh.highlight import (
    BasicFragmentScorer,
    Formatter,
    Fragment,
    Highlighter,
    PinpointFragmenter,
    WholeFragmenter,
)

from indexer.config import Settings
from indexer.model.snippets import Snippet, join_snippets, stripped_snippet

MAX_TITLE_CHARS = 1000  # a hit's title beyond this is cut
_WHITESPACE = re.compile(r"\s+")


class MarkFormatter(Formatter):
    """Gives a Snippet: the fragments' text, whitespace collapsed, each run of matched
    characters one span.

    Whoosh's HtmlFormatter drops a match that overlaps the previous one, which
    splits overlapping bigram matches; this merges them instead. A new instance
    per request: formatters may keep state.
    """

    between = " … "

    def _text(self, text: str) -> str:
        return _WHITESPACE.sub(" ", text)

    def format_token(self, text, token, replace=False) -> str:
        return text[token.startchar : token.endchar]

    def format_fragment(self, fragment, replace=False) -> Snippet:
        spans: list[list[int]] = []
        for token in sorted(fragment.matches, key=lambda t: t.startchar or 0):
            if token.startchar is None:
                continue
            start = max(token.startchar, fragment.startchar)
            end = min(token.endchar, fragment.endchar)
            if start >= end:
                continue
            if spans and start <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], end)
            else:
                spans.append([start, end])
        text, output, marks, length = fragment.text, [], [], 0
        index = fragment.startchar
        for start, end in spans:
            before, marked = self._text(text[index:start]), self._text(text[start:end])
            output += [before, marked]
            marks.append((length + len(before), length + len(before) + len(marked)))
            length += len(before) + len(marked)
            index = end
        output.append(self._text(text[index : fragment.endchar]))
        return stripped_snippet("".join(output), marks)

    def format(self, fragments, replace=False) -> Snippet:
        fragments = _merge_overlapping(sorted(fragments, key=lambda f: f.startchar))
        if not fragments:
            return Snippet("")
        parts: list[Snippet | str] = ["… "] if fragments[0].startchar > 0 else []
        for number, fragment in enumerate(fragments):
            if number:
                parts.append(self.between)
            parts.append(self.format_fragment(fragment))
        if fragments[-1].endchar < len(fragments[-1].text):
            parts.append(" …")
        return join_snippets(parts)


def _merge_overlapping(fragments: list[Fragment]) -> list[Fragment]:
    """Joins fragments that share text, so no part of the text shows twice."""
    merged: list[Fragment] = []
    for fragment in fragments:
        if merged and fragment.startchar <= merged[-1].endchar:
            last = merged[-1]
            merged[-1] = Fragment(
                last.text,
                list(last.matches) + list(fragment.matches),
                last.startchar,
                max(last.endchar, fragment.endchar),
            )
        else:
            merged.append(fragment)
    return merged


class WholeTextFormatter(MarkFormatter):
    """Like MarkFormatter but keeps whitespace, for showing a full document."""

    def _text(self, text: str) -> str:
        return text


class EarlierOnTies(BasicFragmentScorer):
    """Whoosh's fragment score (its matches times the number of distinct terms matched,
    a whole number: every token's boost is 1 here), plus less than one that is larger
    for an earlier fragment, so fragments that tie are chosen by position. Whoosh breaks
    a tie by comparing the fragments' memory addresses (``Fragment.__lt__``): the same
    hit showed one snippet on one request and another on the next."""

    def __call__(self, fragment: Fragment) -> float:
        return super().__call__(fragment) + 1 / (2 + fragment.startchar)


def body_highlighter(snippet_chars: int) -> Highlighter:
    # A fragment spans up to maxchars of matches plus `surround` on each side; with the
    # two best fragments a snippet stays near snippet_chars.
    fragmenter = PinpointFragmenter(
        maxchars=max(20, snippet_chars // 2), surround=max(10, snippet_chars // 8), autotrim=True
    )
    return Highlighter(
        fragmenter=fragmenter,
        scorer=EarlierOnTies(),
        formatter=MarkFormatter(),
        always_retokenize=False,
    )


class WholeTextFragmenter(WholeFragmenter):
    """The whole text as one fragment, built from the matches' stored offsets.

    Whoosh's WholeFragmenter asks for the text to be analysed again, which for a body of
    a million characters took 1.7 s per document page."""

    def must_retokenize(self) -> bool:
        return False

    def fragment_matches(self, text, matched_tokens):
        matches = [token.copy() for token in matched_tokens]
        yield Fragment(text, matches, 0, len(text))


def whole_highlighter() -> Highlighter:
    """Marks matches in a whole text (a document page), keeping its line breaks."""
    return Highlighter(
        fragmenter=WholeTextFragmenter(charlimit=None),
        formatter=WholeTextFormatter(),
        always_retokenize=False,
    )


def title_highlighter() -> Highlighter:
    """Marks a whole title. Where the engine has the matches' offsets (the Whoosh engine)
    they are used; Whoosh's WholeFragmenter analysed every title of a page a second time."""
    return Highlighter(
        fragmenter=WholeTextFragmenter(charlimit=None),
        formatter=MarkFormatter(),
        always_retokenize=False,
    )


def lone_syllables(query, typed: str) -> frozenset[str]:
    """Single Hangul syllables among the query's terms that were not typed as words of
    their own: parts of a longer word (일 and 자리 of 일자리), not to be marked alone."""
    words = set(typed.split())
    return frozenset(
        text
        for _, text in query.all_terms(phrases=True)
        if isinstance(text, str) and len(text) == 1 and "가" <= text <= "힣" and text not in words
    )


def unmarked_terms(query, typed: str, settings: Settings) -> frozenset[str]:
    """Terms not to mark: syllables that are only parts of longer words typed."""
    if query is None or settings.mark_lone_syllables:
        return frozenset()
    return lone_syllables(query, typed)
