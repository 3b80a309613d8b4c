"""Our text queries (the Whoosh query trees QueryBuilder makes: words, their morphemes
and bigrams, synonyms, translations) in Sphinx's extended query syntax, so the cluster
matches what the Whoosh backend matches.

Boosts have no counterpart (Sphinx 2.2 weighs fields, not terms): the ranking
expression weighs the fields as the Whoosh backend does, and a synonym counts as much
as the word typed. A node with no counterpart (a filter written as field:value, a
wildcard) raises Untranslatable; the caller then searches the words alone.
"""

from __future__ import annotations

import re

from whoosh import query as Q

from indexer.engines.sphinx.nodeconfig import WORD_CHARACTERS
from indexer.fields import BIGRAM_FIELDS, TEXT_FIELDS

SEARCHED_FIELDS = frozenset((*TEXT_FIELDS, *BIGRAM_FIELDS))
_OTHER = re.compile(
    "[^A-Z"
    + "".join(f"{re.escape(first)}-{re.escape(last)}" for first, last in WORD_CHARACTERS)
    + "]"
)


class Untranslatable(Exception):
    pass


def sphinx_word(term: str) -> str:
    """``term`` as one word searchd keeps whole: a character outside its charset (a
    period, %, a comma, Hanja, an underscore) written as _hex_. Documents' terms are
    written so (backend.DocumentRows) and so are a query's, so "10.5" or "10%" match
    only themselves, as in the Whoosh index, not every "10"; and the result has no
    character of Sphinx's query syntax to escape."""
    return _OTHER.sub(lambda found: f"_{ord(found.group()):x}_", term)


def sphinx_query(node: Q.Query) -> str:
    """``node`` as a Sphinx extended query; Untranslatable when it cannot be."""
    kind = type(node)
    if kind is Q.Term:
        if node.fieldname not in SEARCHED_FIELDS:
            raise Untranslatable(node.fieldname)
        return f"(@{node.fieldname} {sphinx_word(str(node.text))})"
    if kind is Q.Phrase:
        if node.fieldname not in SEARCHED_FIELDS:
            raise Untranslatable(node.fieldname)
        words = " ".join(sphinx_word(str(word)) for word in node.words)
        return f'(@{node.fieldname} "{words}")'
    if kind in (Q.And, Q.Require):
        parts = [sphinx_query(child) for child in _children(node)]
        return "(" + " ".join(parts) + ")"
    if kind in (Q.Or, Q.DisjunctionMax):
        parts = [sphinx_query(child) for child in _children(node)]
        return "(" + " | ".join(parts) + ")"
    if kind is Q.AndMaybe:
        required, optional = _children(node)
        return f"({sphinx_query(required)} MAYBE {sphinx_query(optional)})"
    if kind is Q.AndNot:
        positive, negative = _children(node)
        return f"({sphinx_query(positive)} -{sphinx_query(negative)})"
    raise Untranslatable(kind.__name__)


def _children(node: Q.Query) -> list[Q.Query]:
    return [child for child in node.children() if child is not Q.NullQuery]
