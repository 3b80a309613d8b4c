"""Snippets with the matches marked: HTML-escaped text, ``<mark>`` around matches.

Highlighting reads the character offsets stored in the index (``chars=True``)
instead of re-running the tagger over every hit.
"""

from __future__ import annotations

import re
from collections import defaultdict
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

_WHITESPACE = re.compile(r"\s+")


class MarkFormatter(Formatter):
    """Escapes all text and wraps each run of matched characters in one <mark>.

    Whoosh's HtmlFormatter drops a match that overlaps the previous one, which
    splits overlapping bigram matches; this merges them instead. A new instance
    per request: formatters may keep state.
    """

    between = " … "

    def _text(self, text: str) -> str:
        return escape(_WHITESPACE.sub(" ", text), quote=False)

    def format_token(self, text, token, replace=False) -> str:
        return "<mark>" + escape(text[token.startchar : token.endchar], quote=False) + "</mark>"

    def format_fragment(self, fragment, replace=False) -> str:
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
        text = fragment.text
        output = []
        index = fragment.startchar
        for start, end in spans:
            output.append(self._text(text[index:start]))
            output.append("<mark>" + self._text(text[start:end]) + "</mark>")
            index = end
        output.append(self._text(text[index : fragment.endchar]))
        return "".join(output).strip()

    def format(self, fragments, replace=False) -> str:
        fragments = _merge_overlapping(sorted(fragments, key=lambda f: f.startchar))
        if not fragments:
            return ""
        joined = self.between.join(self.format_fragment(f) for f in fragments)
        prefix = "… " if fragments[0].startchar > 0 else ""
        suffix = " …" if fragments[-1].endchar < len(fragments[-1].text) else ""
        return prefix + joined + suffix


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
        return escape(text, quote=False)


def whole_text_html(text: str) -> str:
    return escape(text, quote=False)


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


def attach_matched_terms(
    results, docnums: list[int], query, term_documents: Callable[[str, bytes], np.ndarray]
) -> None:
    """Records which of the query's terms each of ``docnums`` holds, as Whoosh's
    ``terms=True`` would, by looking these documents up in each term's documents
    (``term_documents(field, term)``, ascending). With it the highlighter marks from
    stored character offsets instead of re-running the tagger over every hit."""
    schema = results.searcher.schema
    termdocs: dict[tuple[str, bytes], list[int]] = defaultdict(list)
    docterms: dict[int, list[tuple[str, bytes]]] = defaultdict(list)
    wanted = np.array(sorted(set(docnums)), dtype=np.int64)
    # (Whoosh's existing_terms() stops after the first field of an Or here; list them all.)
    terms = {
        (fieldname, schema[fieldname].to_bytes(text) if isinstance(text, str) else text)
        for fieldname, text in query.all_terms(phrases=True)
        if fieldname in schema
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
    results._char_cache[fieldname] = cache


def plain_snippet(text: str, snippet_chars: int) -> str:
    """The start of a text, escaped, cut at a space when one is near."""
    text = _WHITESPACE.sub(" ", text[: snippet_chars * 2]).strip()
    if len(text) <= snippet_chars:
        return escape(text, quote=False)
    cut = text.rfind(" ", 0, snippet_chars)
    if cut < snippet_chars // 2:
        cut = snippet_chars
    return escape(text[:cut], quote=False) + " …"


def highlight_field(highlighter: Highlighter, hit, fieldname: str, text: str, top: int) -> str:
    if not text:
        return ""
    try:
        return highlighter.highlight_hit(hit, fieldname, text=text, top=top)
    except KeyError:
        # A term matched in another field only; nothing to mark here.
        return ""
