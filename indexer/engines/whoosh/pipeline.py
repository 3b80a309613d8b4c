"""The search pipeline, as small steps over NumPy arrays:

validate -> text query -> filter masks -> evaluate -> relax -> rank or sort -> page
-> facets -> hits.

Each step takes what it needs explicitly; ``run`` strings them together for one
request on one reader view (indexer/searchers.py).
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from functools import partial

import numpy as np
from whoosh import query as Q

from indexer.config import Settings
from indexer.deadline import Deadline
from indexer.engines.whoosh.evaluation import Evaluator
from indexer.engines.whoosh.facet_tables import FacetTables, count_facets, narrow
from indexer.engines.whoosh.hits import page_of_hits
from indexer.engines.whoosh.searchers import ReaderView
from indexer.fields import FACET_FIELDS
from indexer.model.request import CheckedRequest, SearchRequest, validate
from indexer.model.results import SearchResult
from indexer.query.builder import Weights
from indexer.query.node_internals import multiterm_texts
from indexer.query.spelling import correct
from indexer.query.textquery import TextQuery, query_builder, text_query
from indexer.search.evaluation import Matches
from indexer.search.marks import unmarked_terms
from indexer.search.passages import FIELD as PASSAGE_FIELD
from indexer.search.passages import best_passages, with_passages
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS, relaxed_notice
from indexer.search.respell import respell

_LETTERS = re.compile(r"[A-Za-z가-힣ㄱ-ㅣ]")  # nothing to correct without letters


@dataclass(frozen=True)
class Masks:
    """Which documents the request's filters allow: a boolean mask per filter, and the
    date range's mask (None when no range was asked)."""

    filters: dict[str, np.ndarray]
    dates: np.ndarray | None


@dataclass(frozen=True)
class Ranked:
    """The matches that pass the filters, with the documents ranked ahead of the rest."""

    matches: Matches
    matching: np.ndarray  # mask of every match, before filters (facets count from it)
    query: Q.Query | None  # the query that matched (the relaxed one after relaxing)
    preferred: np.ndarray  # documents with every word, when relaxed
    relaxed: bool = False
    all_words_total: int | None = None
    min_words: int = 1  # of the words found in the index, documents hold at least this many
    words: int = 0


def run(
    request: SearchRequest,
    view: ReaderView,
    settings: Settings,
    weights: Weights,
    deadline: Deadline,
    started: float,
    export_rows: int = 0,
) -> SearchResult:
    checked = validate(request, settings)
    if export_rows:
        # One page of every match up to export_rows: no marks, no facets.
        checked = dataclasses.replace(
            checked, page=1, size=export_rows, highlight=False, facets=False
        )
    context = Context(view, settings, weights, deadline, started)
    result = answer(request.q or "", checked, context)
    if request.spell and settings.spelling_corrections and not checked.raw:
        result = respell(
            result,
            checked,
            settings,
            lambda corrected: answer(result.query, corrected, context),
            partial(correction_of, context=context),
        )
    return result


@dataclass(frozen=True)
class Context:
    """What every step of one request reads."""

    view: ReaderView
    settings: Settings
    weights: Weights
    deadline: Deadline
    started: float  # time.perf_counter() when the request began


def answer(q: str, checked: CheckedRequest, context: Context) -> SearchResult:
    """The result of one checked request: the steps of the module docstring."""
    view, settings, deadline = context.view, context.settings, context.deadline
    evaluator = view.evaluator(deadline)
    builder = query_builder(view.searcher.schema, context.weights, settings)
    text = text_query(builder, checked.text, checked.raw, view.reader, settings, deadline)
    masks = filter_masks(
        checked, evaluator, view.shared.facet_tables, view.shared.date_order(view.reader).has_date
    )
    ranked = evaluate(text, masks, evaluator, settings.min_all_word_hits)
    notices = [*checked.notices, *text.notices]
    if ranked.relaxed:
        notices.append(relaxed_notice(ranked.all_words_total or 0, ranked.min_words, ranked.words))
    kept = narrow(ranked.matching, masks.filters)[ranked.matches.ids]
    ids, scores = ranked.matches.ids[kept], ranked.matches.scores[kept]
    is_ranked = checked.ranked and ranked.query is not None
    if is_ranked and settings.passage_weight > 0 and not checked.raw:
        scores = with_passages(
            ids,
            scores,
            checked.text,
            view.searcher.schema[PASSAGE_FIELD].analyzer,
            settings,
            lambda best, morphemes: best_passages(
                view.searcher, ids[best].tolist(), morphemes, settings.shared_title_weight
            ),
        )
    page_ids, page_scores = page(ids, scores, is_ranked, checked, view)
    facets = (
        count_facets(
            view.shared.facet_tables,
            ranked.matching,
            masks.filters,
            {name: list(values) for name, values in checked.filters.items()},
            checked.facet_size,
        )
        if checked.facets
        else []
    )
    hits = page_of_hits(
        evaluator,
        ranked.query,
        page_ids,
        page_scores,
        ranked.preferred,
        checked.highlight,
        settings.snippet_chars,
        deadline,
        unmarked_terms(ranked.query, checked.text, settings),
    )
    total = int(len(ids))
    return SearchResult.answering(
        checked,
        q,
        total,
        hits,
        facets,
        context.started,
        relaxed=ranked.relaxed,
        all_words_total=ranked.all_words_total,
        notices=notices,
    )


def correction_of(text: str, held_too: bool = False, *, context: Context) -> str | None:
    """``text`` with the words no document holds corrected (indexer/spelling.py), or None;
    ``held_too``: also words held only inside longer words."""
    view = context.view
    builder = query_builder(view.searcher.schema, context.weights, context.settings)
    evaluator = view.evaluator(context.deadline)

    def holds(word: str) -> bool:
        query = builder.word_query(word)
        return query is not None and len(evaluator.evaluate(query)) > 0

    vocabulary = view.shared.vocabulary(view.reader)
    return correct(text, holds, vocabulary, builder.morphemes, held_too)


def filter_masks(
    checked: CheckedRequest, evaluator: Evaluator, tables: FacetTables, has_date: np.ndarray
) -> Masks:
    doc_count = evaluator.arrays.doc_count_all
    filters = {}
    for name, values in checked.filters.items():
        if name in FACET_FIELDS:
            filters[name] = tables.docs_with_any(name, values)
        else:  # a filter that is not a facet (tags, source): its postings
            terms = Q.Or([Q.Term(name, value) for value in values])
            filters[name] = _mask(evaluator.evaluate(terms).ids, doc_count)
    return Masks(filters, date_mask(evaluator, has_date, checked.date_from, checked.date_to))


def date_mask(
    evaluator: Evaluator, has_date: np.ndarray, date_from: str, date_to: str
) -> np.ndarray | None:
    """The documents dated within the range (a mask), or None when no range was asked."""
    if not date_from and not date_to:
        return None
    # Dates are stored as yyyy-mm-dd strings, so a string range is a date range;
    # "\uffff" makes a partial upper bound (2022-11) include the whole month.
    date_range = Q.TermRange("date", date_from or None, (date_to + "\uffff") if date_to else None)
    mask = np.zeros(evaluator.arrays.doc_count_all, dtype=bool)
    for btext in multiterm_texts(date_range, evaluator.reader):  # one term per distinct date
        mask[evaluator.term_documents("date", btext)] = True
    # A document with a year and no date (a budget line of FY2018) is in the range when
    # its year overlaps it: 2018 is within 2018-06..2019.
    years = Q.TermRange("year", date_from[:4] or None, date_to[:4] or None)
    for btext in multiterm_texts(years, evaluator.reader):
        in_year = evaluator.term_documents("year", btext)
        mask[in_year[~has_date[in_year]]] = True
    return mask


def evaluate(text: TextQuery, masks: Masks, evaluator: Evaluator, min_all_word_hits: int) -> Ranked:
    """The text query's matches within the dates. When too few documents have every word
    of a short query, documents with some of the words follow those with all of them."""
    doc_count = evaluator.arrays.doc_count_all

    def match(candidate: Q.Query | None) -> Matches:
        matches = evaluator.evaluate(candidate)
        if masks.dates is not None:
            keep = masks.dates[matches.ids]
            matches = Matches(matches.ids[keep], matches.scores[keep])
        return matches

    matches = match(text.query)
    no_one = np.zeros(0, dtype=np.int64)
    if text.relaxed is None or len(matches) >= min_all_word_hits:
        return Ranked(matches, _mask(matches.ids, doc_count), text.query, no_one)
    wider = match(text.relaxed)
    min_words, present = 1, 0
    if text.min_word_fraction > 0:
        # Documents with too few of the words are left out. A word no document holds (a
        # typo, a question word) cannot be required, so it does not count.
        held = np.zeros(doc_count, dtype=np.int32)
        for word in text.words():
            holding = evaluator.evaluate(word).ids
            present += bool(len(holding))
            held[holding] += 1
        min_words = max(1, math.ceil(present * text.min_word_fraction - 1e-9))
        keep = held[wider.ids] >= min_words
        wider = Matches(wider.ids[keep], wider.scores[keep])
    if len(wider) <= len(matches):
        return Ranked(matches, _mask(matches.ids, doc_count), text.query, no_one)
    all_words = int(narrow(_mask(matches.ids, doc_count), masks.filters).sum())
    bonus = np.isin(wider.ids, matches.ids, assume_unique=True) * PREFERRED_BONUS
    return Ranked(
        Matches(wider.ids, wider.scores + bonus),
        _mask(wider.ids, doc_count),
        text.relaxed,
        matches.ids,
        relaxed=True,
        all_words_total=all_words,
        min_words=min_words,
        words=present,
    )


def page(
    ids: np.ndarray, scores: np.ndarray, ranked: bool, checked: CheckedRequest, view: ReaderView
) -> tuple[list[int], list[float | None]]:
    """The requested page's document numbers and scores (None when sorted by date)."""
    limit = checked.page * checked.size
    if ranked:
        best = top_documents(ids, scores, limit)
    else:
        # By date (or browsing without a query): a sort, relevance only between equals.
        order = view.shared.date_order(view.reader)
        best = order.order(ids, scores, oldest_first=checked.sort == "oldest")[:limit]
    chosen = best[(checked.page - 1) * checked.size : limit]
    if not ranked:
        return ids[chosen].tolist(), [None] * len(chosen)
    return ids[chosen].tolist(), [float(score) for score in scores[chosen]]


def _mask(ids: np.ndarray, doc_count: int) -> np.ndarray:
    mask = np.zeros(doc_count, dtype=bool)
    mask[ids] = True
    return mask
