"""Snippets with the matches marked: text plus the spans of the matches.

Highlighting reads the character offsets stored in the index (``chars=True``)
instead of re-running the tagger over every hit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from html import escape
from typing import Callable

import numpy as np
from whoosh.highlight import (
    Formatter,
    Fragment,
    Highlighter,
    PinpointFragmenter,
    WholeFragmenter,
)

from indexer.engines.whoosh.private import set_match_offsets

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


def _stripped(text: str, spans: list[tuple[int, int]]) -> Snippet:
    """Without leading and trailing whitespace, spans kept on the same characters."""
    stripped = text.strip()
    if len(stripped) == len(text):
        return Snippet(text, tuple(spans))
    lead, length = len(text) - len(text.lstrip()), len(stripped)
    kept = ((max(0, start - lead), min(length, end - lead)) for start, end in spans)
    return Snippet(stripped, tuple((start, end) for start, end in kept if end > start))


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
        return _stripped("".join(output), marks)

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


def body_highlighter(snippet_chars: int) -> Highlighter:
    # A fragment spans up to maxchars of matches plus `surround` on each side; with the
    # two best fragments a snippet stays near snippet_chars.
    fragmenter = PinpointFragmenter(
        maxchars=max(20, snippet_chars // 2), surround=max(10, snippet_chars // 8), autotrim=True
    )
    return Highlighter(fragmenter=fragmenter, formatter=MarkFormatter(), always_retokenize=False)


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
    return Highlighter(
        fragmenter=WholeFragmenter(), formatter=MarkFormatter(), always_retokenize=False
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


def attach_matched_terms(
    results,
    docnums: list[int],
    query,
    term_documents: Callable[[str, bytes], np.ndarray],
    unmarked: frozenset[str] = frozenset(),
) -> None:
    """Records which of the query's terms each of ``docnums`` holds, as Whoosh's
    ``terms=True`` would, by looking these documents up in each term's documents
    (``term_documents(field, term)``, ascending). With it the highlighter marks from
    stored character offsets instead of re-running the tagger over every hit. Terms in
    ``unmarked`` are not marked (see lone_syllables)."""
    schema = results.searcher.schema
    termdocs: dict[tuple[str, bytes], list[int]] = defaultdict(list)
    docterms: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
    wanted = np.array(sorted(set(docnums)), dtype=np.int64)
    # (Whoosh's existing_terms() stops after the first field of an Or here; list them all.)
    terms = {
        (fieldname, schema[fieldname].to_bytes(text) if isinstance(text, str) else text)
        for fieldname, text in query.all_terms(phrases=True)
        if fieldname in schema and text not in unmarked
    }
    for fieldname, btext in sorted(terms):
        holding = term_documents(fieldname, btext)
        if not len(holding):  # not in the index
            continue
        at = np.minimum(np.searchsorted(holding, wanted), len(holding) - 1)
        for docnum in wanted[holding[at] == wanted].tolist():
            termdocs[(fieldname, btext)].append(docnum)
            docterms[docnum].append((fieldname, btext))
    results.termdocs = dict(termdocs)
    results.docterms = dict(docterms)


def load_match_offsets(
    results, fieldname: str, texts: dict[int, str], retokenize_max_chars: int
) -> None:
    """Fills Whoosh's per-results cache of matched terms' character offsets for one field,
    so ``highlight_hit`` marks them without looking anything up itself.

    Whoosh would read every matched term's postings once per hit, decoding a block of
    positions each time (most of a request's time). A text up to ``retokenize_max_chars``
    is analysed again instead, with the index's own analyzer, which is cheaper for
    titles and ordinary bodies; a longer text uses the stored offsets, as Whoosh does.
    Needs ``attach_matched_terms`` first.
    """
    searcher = results.searcher
    field = searcher.schema[fieldname]
    cache: dict[int, dict[str, list[tuple[int, int, int]]]] = {}
    stored_lookups: dict[str, list[int]] = defaultdict(list)  # word -> long documents
    for docnum in sorted(texts):
        text = texts[docnum]
        words = {
            field.from_bytes(term)
            for name, term in results.docterms.get(docnum, ())
            if name == fieldname
        }
        offsets: dict[str, list[tuple[int, int, int]]] = {word: [] for word in words}
        cache[docnum] = offsets
        if not words:
            continue
        if len(text) <= retokenize_max_chars:
            for token in field.analyzer(
                text, positions=True, chars=True, mode="index", removestops=False
            ):
                if token.text in offsets:
                    offsets[token.text].append((token.pos, token.startchar, token.endchar))
        else:
            for word in words:
                stored_lookups[word].append(docnum)
    # One pass along each word's postings for all the long documents holding it.
    for word, docnums in stored_lookups.items():
        postings = searcher.postings(fieldname, field.to_bytes(word))
        for docnum in docnums:
            postings.skip_to(docnum)
            if not postings.is_active():
                break
            if postings.id() == docnum:
                cache[docnum][word] = list(postings.value_as("characters"))
    set_match_offsets(results, fieldname, cache)


def plain_snippet(text: str, snippet_chars: int) -> Snippet:
    """The start of a text, cut at a space when one is near; nothing marked."""
    text = _WHITESPACE.sub(" ", text[: snippet_chars * 2]).strip()
    if len(text) <= snippet_chars:
        return Snippet(text)
    cut = text.rfind(" ", 0, snippet_chars)
    if cut < snippet_chars // 2:
        cut = snippet_chars
    return Snippet(text[:cut] + " …")


def highlight_field(
    highlighter: Highlighter, hit, fieldname: str, text: str, top: int
) -> Snippet | None:
    """The field's text with the hit's matches marked; None when it has none to mark."""
    if not text:
        return None
    try:
        snippet = highlighter.highlight_hit(hit, fieldname, text=text, top=top)
    except KeyError:
        # A term matched in another field only; nothing to mark here.
        return None
    # Whoosh returns "" when no fragment holds a match.
    return snippet if isinstance(snippet, Snippet) and snippet else None
