"""Marks in the cluster's hits and document pages, from the stored text.

searchd keeps no character offsets we could read back, so the text is analysed again
with the field's own analyzer (as the Whoosh backend does for short texts,
engines/whoosh/offsets.py) and the query's terms of that field are marked in the same
styles (search/fragments.py): the title whole, the best passages of the body, or the
whole document.
A field with no morpheme match is marked from its Hangul bigrams, as there.
"""

from __future__ import annotations

from typing import Any

from whoosh import query as Q

from indexer.model.snippets import Snippet
from indexer.query.builder import positive_part
from indexer.search.fragments import MarkStyle, Match, marked_text

# Longer bodies are marked in their first this many characters (analysing a million
# characters took 1.7 s).
MAX_MARKED_CHARS = 20_000


def marked_field(
    schema: Any,
    query: Q.Query | None,
    fieldname: str,
    text: str,
    style: MarkStyle,
    unmarked: frozenset[str] = frozenset(),
    window_chars: int = 0,
) -> Snippet | None:
    """``text`` of ``fieldname`` with the query's matches marked in ``style``;
    None when nothing in it matches. With ``window_chars``, only that much of a longer
    text is analysed, from a little before the first place a term occurs (a snippet
    needs no more; analysing whole bodies was most of a request's time)."""
    if query is None or not text:
        return None
    text = text[:MAX_MARKED_CHARS]
    positive = positive_part(query)
    for name in (fieldname, f"{fieldname}_bigram"):
        terms = {
            term
            for field, term in positive.all_terms(phrases=True)
            if field == name and isinstance(term, str) and term not in unmarked
        }
        if not terms:
            continue
        if window_chars and len(text) > window_chars:
            lowered = text.lower()
            found = [at for at in (lowered.find(term) for term in terms) if at >= 0]
            if not found:
                continue  # no term in the text as written: nothing to mark
            start = lowered.rfind(" ", 0, max(0, min(found) - window_chars // 4)) + 1
            text = text[start : start + window_chars]
        matches = [
            Match(start, end, term)
            for term, _, start, end in schema[name].analyzer.postings(text)
            if term in terms
        ]
        snippet = marked_text(text, matches, style)
        if snippet:
            return snippet
    return None
