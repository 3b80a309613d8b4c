"""Whoosh's own query syntax (raw mode), bounded: wildcards, prefixes, ranges and fuzzy
terms expand to at most max_expansions terms each, and a request reads at most
MAX_SCANNED_TERMS index terms looking for them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from whoosh import query as Q
from whoosh.qparser import MultifieldParser

from indexer.deadline import NO_DEADLINE, Deadline
from indexer.errors import QueryError
from indexer.fields import TEXT_FIELDS
from indexer.messages import Notice
from indexer.query.node_internals import multiterm_texts, wildcard_pattern, wildcard_prefix

# Terms the wildcards of one request may read (a leading * reads a field's whole list).
MAX_SCANNED_TERMS = 2_000_000
SCAN_CHECK_EVERY = 4096


def parse_raw_query(schema, text: str) -> Q.Query | None:
    """Whoosh's own syntax over title and body; None when it cannot be parsed."""
    parser = MultifieldParser(list(TEXT_FIELDS), schema)
    try:
        parsed = parser.parse(text)
    except Exception:  # Whoosh raises assorted types on bad syntax
        return None
    if isinstance(parsed, Q.NullQuery.__class__):
        return None
    return parsed


def bound_expansions(
    query: Q.Query, reader, max_terms: int, deadline: Deadline = NO_DEADLINE
) -> tuple[Q.Query, list[Notice]]:
    """Wildcards, prefixes, ranges and fuzzy terms replaced by their first ``max_terms`` terms.

    Whoosh would expand them over the whole term list again for every pass of a request,
    so ``*a*`` or ``?*`` would score thousands of terms several times; here the term list
    is scanned once. The scan itself is bounded too: a pattern with no leading letters
    reads the field's whole term list, so the request may read MAX_SCANNED_TERMS terms
    in all (a QueryError past that) and checks its deadline as it goes. A bare ``*``
    means every document.
    """
    notices: list[Notice] = []
    budget = _ScanBudget(MAX_SCANNED_TERMS, deadline)

    def bound(node: Q.Query) -> Q.Query:
        if isinstance(node, Q.Every) or (isinstance(node, Q.Wildcard) and not node.text.strip("*")):
            return Q.Every()  # all documents, without walking a field's postings
        if not isinstance(node, Q.MultiTerm):
            return node
        terms = list(islice(_expansions(node, reader, budget), max_terms + 1))
        if len(terms) > max_terms:
            notices.append(Notice("expansions_cut", {"pattern": str(node), "max_terms": max_terms}))
        if not terms:
            return Q.NullQuery
        return Q.Or([Q.Term(node.fieldname, term) for term in terms[:max_terms]], boost=node.boost)

    return query.accept(bound), notices


@dataclass
class _ScanBudget:
    """The index terms one request's wildcards may still read, and its deadline."""

    max_terms: int
    deadline: Deadline
    scanned: int = 0

    def count(self) -> None:
        """One term read; past the limit the query is refused, past the deadline stopped."""
        self.scanned += 1
        if self.scanned > self.max_terms:
            raise QueryError(code="too_many_scanned", max_terms=self.max_terms)
        if self.scanned % SCAN_CHECK_EVERY == 0:
            self.deadline.check()


def _expansions(node: Q.MultiTerm, reader, budget: _ScanBudget) -> Iterator[bytes]:
    """The terms ``node`` matches, counting every term read against ``budget``."""
    if isinstance(node, (Q.Wildcard, Q.Regex)):  # a regex over a run of terms
        field = reader.schema[node.fieldname]
        pattern = re.compile(wildcard_pattern(node))
        prefix = wildcard_prefix(node)
        candidates = (
            reader.expand_prefix(node.fieldname, prefix)
            if prefix
            else reader.lexicon(node.fieldname)
        )
        for btext in candidates:
            budget.count()
            if pattern.match(field.from_bytes(btext)):
                yield btext
        return
    for btext in multiterm_texts(
        node, reader
    ):  # prefixes, ranges, fuzzy terms: read what they yield
        budget.count()
        yield btext
