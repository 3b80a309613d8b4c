"""The three private methods of whoosh.query nodes that raw syntax and date ranges
need, in one place: the query plan is a tree of whoosh.query nodes (no index involved)."""

from __future__ import annotations

from whoosh import query as Q


def wildcard_pattern(node: Q.Wildcard | Q.Regex) -> str:
    """The regular expression a Wildcard or Regex node matches terms with."""
    return node._get_pattern()


def wildcard_prefix(node: Q.Wildcard | Q.Regex) -> str:
    """The literal text every term the node matches starts with ("" for none)."""
    return node._find_prefix(node.text)


def multiterm_texts(node: Q.MultiTerm, reader):
    """The index terms (bytes) a prefix, range or fuzzy node expands to, lazily."""
    return node._btexts(reader)
