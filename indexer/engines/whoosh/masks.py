"""Which documents a request's filters and date range allow, as masks over the
Whoosh index's document numbers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh import query as Q

from indexer.engines.whoosh.evaluation import Evaluator
from indexer.engines.whoosh.facet_tables import narrow
from indexer.engines.whoosh.searchers import ReaderView
from indexer.fields import FACET_FIELDS
from indexer.model.request import CheckedRequest
from indexer.query.node_internals import multiterm_texts


@dataclass(frozen=True)
class Masks:
    """Which documents the request's filters allow: a mask per filter, all of them
    together, and the date range's mask (None when no range was asked)."""

    filters: dict[str, np.ndarray]
    allowed: np.ndarray
    dates: np.ndarray | None


def request_masks(view: ReaderView, evaluator: Evaluator, checked: CheckedRequest) -> Masks:
    """The masks of the request's filters and date range."""
    tables = view.shared.facet_tables
    doc_count = int(evaluator.arrays.doc_count_all)
    filters = {}
    for name, values in checked.filters.items():
        if name in FACET_FIELDS:
            filters[name] = tables.docs_with_any(name, values)
        else:  # a filter that is not a facet (tags, source): its postings
            terms = Q.Or([Q.Term(name, value) for value in values])
            filters[name] = document_mask(evaluator.evaluate(terms).ids, doc_count)
    allowed = narrow(np.ones(doc_count, dtype=bool), filters)
    dates = date_mask(view, evaluator, checked.date_from, checked.date_to)
    return Masks(filters, allowed, dates)


def date_mask(
    view: ReaderView, evaluator: Evaluator, date_from: str, date_to: str
) -> np.ndarray | None:
    """The documents dated within the range (a mask), or None when no range was asked."""
    if not date_from and not date_to:
        return None
    has_date = view.shared.date_order(view.reader).has_date
    # Dates are stored as yyyy-mm-dd strings, so a string range is a date range;
    # "\uffff" makes a partial upper bound (2022-11) include the whole month.
    upper = (date_to + "\uffff") if date_to else None
    date_range = Q.TermRange("date", date_from or None, upper)
    mask = np.zeros(int(evaluator.arrays.doc_count_all), dtype=bool)
    for btext in multiterm_texts(date_range, evaluator.reader):  # one term per date
        mask[evaluator.term_documents("date", btext)] = True
    # A document with a year and no date (a budget line of FY2018) is in the range
    # when its year overlaps it: 2018 is within 2018-06..2019.
    years = Q.TermRange("year", date_from[:4] or None, date_to[:4] or None)
    for btext in multiterm_texts(years, evaluator.reader):
        in_year = evaluator.term_documents("year", btext)
        mask[in_year[~has_date[in_year]]] = True
    return mask


def document_mask(ids: np.ndarray, doc_count: int) -> np.ndarray:
    mask = np.zeros(doc_count, dtype=bool)
    mask[ids] = True
    return mask
