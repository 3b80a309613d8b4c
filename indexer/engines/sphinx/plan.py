"""A request's text as the cluster searches it (search/engine.py ``Plan``): the query
plan translated to Sphinx's MATCH() syntax, its field:value terms as attribute
conditions, and the enough-words rule as every choice of that many words.
"""

from __future__ import annotations

import re
from itertools import combinations
from typing import TYPE_CHECKING

from whoosh import query as Q

from indexer.engines.sphinx.querytext import Untranslatable, sphinx_query, sphinx_word
from indexer.engines.sphinx.statements import ClusterQuery
from indexer.fields import QUERY_FILTER_FIELDS
from indexer.messages import Notice
from indexer.model.request import CheckedRequest
from indexer.query.expansions import BY_NAME
from indexer.query.textquery import TextQuery, text_query
from indexer.search.engine import Plan, Selection
from indexer.search.passages import query_morphemes

if TYPE_CHECKING:
    from indexer.engines.sphinx.search import ClusterSearcher

_WORDLIKE = re.compile(r"\w")  # a word Sphinx indexes has a letter or a digit


def plan_of(searcher: ClusterSearcher, checked: CheckedRequest) -> Plan:
    """The text query translated to Sphinx's syntax, its field:value terms as
    attribute conditions. Raw syntax, or a query with a node Sphinx has no
    counterpart for (a wildcard, a filter inside an OR), searches the words alone,
    in the cluster's own order."""
    if not checked.text.strip():
        return Plan(query=None, scored=None)
    notices: tuple[Notice, ...] = ()
    filters: dict[str, tuple[str, ...]] = {}
    typed = checked.text
    if not checked.raw:
        text = text_query(
            searcher.builder,
            checked.text,
            False,
            None,
            searcher.settings,
            filtered_fields=checked.filters.keys(),
            translated=BY_NAME[checked.translations],
        )
        notices, filters = tuple(text.notices), text.filters
        typed = text.text if text.text is not None else typed
        if text.query is Q.NullQuery:
            return Plan(query=None, scored=None, notices=notices, nothing=True)
        try:
            return _translated(text)
        except Untranslatable:
            pass
    words = [w for w in query_morphemes(searcher.analyzer, typed) if _WORDLIKE.search(w)]
    if not words:
        return Plan(query=None, scored=None, notices=notices, filters=filters, text=typed)
    joined = " ".join(sphinx_word(word) for word in words)
    return Plan(
        query=ClusterQuery(f"@(title,body) {joined}"),
        scored=None,
        relaxed=ClusterQuery(f'@(title,body) "{joined}"/1'),
        notices=notices,
        filters=filters,
        text=typed,
    )


def _translated(text: TextQuery) -> Plan:
    strict = cluster_query(text.query) if text.query is not None else None
    any_word = cluster_query(text.relaxed) if text.relaxed is not None else None

    def words() -> list[str]:
        # A word of a field:value term alone (strict_field_prefixes off) has no
        # MATCH() form to count among the words: it is left out of the count here.
        translated = []
        for word in text.words():
            try:
                query = cluster_query(word)
            except Untranslatable:
                continue
            if query.match and not query.required and not query.excluded:
                translated.append(query.match)
        return translated

    return Plan(
        query=strict,
        scored=text.query,
        relaxed=any_word if any_word != strict else None,
        scored_relaxed=text.relaxed,
        words=words,
        min_word_fraction=text.min_word_fraction,
        notices=tuple(text.notices),
        filters=text.filters,
        text=text.text,
        always_related=text.always_related,
        forms=text.forms,
        meaning_text=text.meaning_text,
    )


def selected_query(selection: Selection) -> ClusterQuery | None:
    """The selection as one query (an empty MATCH() for every document); None when
    nothing can match (enough words asked of none). Enough words is every choice of
    that many of them, joined by OR: Sphinx 2.2 has no "at least n of these" operator."""
    query = selection.query or ClusterQuery("")
    if selection.words is None:
        return query
    if not selection.words:
        return None
    choices = " | ".join(
        "(" + " ".join(chosen) + ")" for chosen in combinations(selection.words, selection.at_least)
    )
    match = f"({query.match}) ({choices})" if query.match else f"({choices})"
    return ClusterQuery(match, query.required, query.excluded)


def cluster_query(node: Q.Query) -> ClusterQuery:
    """A query tree as the cluster runs it: its field:value terms required at the top
    (category:X 버스) or excluded there (-category:X) as attribute conditions, the rest
    as a MATCH() text; Untranslatable for what has no counterpart."""
    excluded: tuple[tuple[str, str], ...] = ()
    if type(node) is Q.AndNot:
        negatives = node.b.subqueries if type(node.b) is Q.Or else [node.b]
        excluded = tuple(_pairs(negatives))
        others = [child for child in negatives if not _is_filter_term(child)]
        if others:
            kept = others[0] if len(others) == 1 else Q.Or(others)
            node = Q.AndNot(node.a, kept)
        elif excluded:
            node = node.a
    children = node.subqueries if type(node) is Q.And else [node]
    required = tuple(_pairs(children))
    rest = [child for child in children if not _is_filter_term(child)]
    if not required:
        return ClusterQuery(sphinx_query(node), (), excluded)
    if not rest:
        return ClusterQuery("", required, excluded)
    text = rest[0] if len(rest) == 1 else Q.And(rest)
    return ClusterQuery(sphinx_query(text), required, excluded)


def _pairs(nodes: list[Q.Query]) -> list[tuple[str, str]]:
    return [(node.fieldname, str(node.text)) for node in nodes if _is_filter_term(node)]


def _is_filter_term(node: Q.Query) -> bool:
    return type(node) is Q.Term and node.fieldname in QUERY_FILTER_FIELDS
