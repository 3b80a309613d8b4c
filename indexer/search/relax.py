"""Relaxing, the rule both engines follow: when too few documents hold every word of a
short query, documents with enough of the words follow those with all of them."""

from __future__ import annotations

from indexer.messages import Notice

# Added to the score of a document with every word while relaxed, so it ranks first;
# taken off again before the score is shown.
PREFERRED_BONUS = 1_000_000.0


def relaxed_notice(all_words: int, min_words: int, words: int) -> Notice:
    """Says that documents with only some of the words follow: ``all_words`` documents
    have every word, the others at least ``min_words`` of the ``words`` found."""
    if min_words <= 1:
        return Notice("relaxed_some", {"count": all_words}) if all_words else Notice("relaxed_none")
    counts = {"min_words": min_words, "words": words}
    if all_words:
        return Notice("relaxed_some_of", {"count": all_words, **counts})
    return Notice("relaxed_none_of", counts)
