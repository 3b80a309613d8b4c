"""Marks: which query terms are not marked on their own, and how long a shown title
may be. Snippets are made from the matches in search/fragments.py.
"""

from __future__ import annotations

from indexer.config import Settings

MAX_TITLE_CHARS = 1000  # a hit's title beyond this is cut


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
