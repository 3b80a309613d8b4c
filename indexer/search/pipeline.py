"""The steps of a search, written once for every backend:

validate -> plan the text -> relax? -> totals -> facets -> page (ranked or by date,
marked) -> notices -> respell?

Each engine answers the questions of search/engine.py (``RequestEngine``) for one
request; everything decided here holds on both backends alike.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Callable

from indexer.config import Settings
from indexer.fields import FACET_FIELDS
from indexer.messages import Notice
from indexer.model.facets import facet_of
from indexer.model.request import CheckedRequest, SearchRequest, validate
from indexer.model.results import SearchResult
from indexer.query.spelling import correct
from indexer.search import semantic
from indexer.search.engine import PageRequest, Plan, Relaxing, RequestEngine, Selection
from indexer.search.marks import unmarked_terms
from indexer.search.reasons import with_reasons
from indexer.search.relax import relaxed_notice
from indexer.search.respell import respell
from indexer.search.semantic import NO_NEIGHBOURS, Neighbours


def run(
    request: SearchRequest,
    engine: RequestEngine,
    settings: Settings,
    started: float,
    export_rows: int = 0,
) -> SearchResult:
    """The result of ``request``; ``export_rows``: one page of every match up to that
    many, without marks or facets. ``started``: time.perf_counter() at the start."""
    checked = validate(request, settings)
    if export_rows:
        checked = dataclasses.replace(
            checked, page=1, size=export_rows, highlight=False, facets=False
        )
    q = request.q or ""
    result = answer(q, checked, engine, settings, started)
    if request.spell and settings.spelling_corrections and not checked.raw:
        result = respell(
            result,
            checked,
            settings,
            lambda corrected: answer(result.query, corrected, engine, settings, started),
            lambda text, held_too: correction_of(
                engine, text, held_too, len(text.split()) > settings.and_max_words
            ),
        )
    return result


def answer(
    q: str, checked: CheckedRequest, engine: RequestEngine, settings: Settings, started: float
) -> SearchResult:
    """The result of one checked request: the steps of the module docstring."""
    plan = engine.plan(checked)
    if plan.filters:  # year:2014 in the text filters as year=2014 does
        filters = {**checked.filters, **plan.filters}
        text = plan.text if plan.text is not None else checked.text
        checked = dataclasses.replace(checked, filters=filters, text=text)
    notices = [*checked.notices, *plan.notices]
    if plan.nothing:
        # Nothing searchable was typed (punctuation only): nothing matches.
        return SearchResult.answering(
            checked, q, 0, [], _no_facets(checked), started, notices=notices
        )
    by_meaning = plan.query is not None and semantic.wanted(checked, settings)
    vector_of = _vector_of(plan, checked, engine, by_meaning)
    relaxing = relax(plan, checked, engine, settings)
    matching = relaxing.preferred or relaxing.selection
    total = engine.count(matching, checked)  # the matches only
    related_total = 0
    if relaxing.relaxed:
        related_total = engine.count(relaxing.selection, checked) - total
        if relaxing.words_held != 1:  # 1: one word held, widened by its translations
            notices.append(relaxed_notice(total, relaxing.min_words, relaxing.words_held))
        elif not total:
            notices.append(Notice("related_only"))
    neighbours: Callable[[], Neighbours] = semantic.no_neighbours
    found = total + related_total
    if by_meaning:
        neighbours = functools.cache(
            functools.partial(
                _neighbours, plan, checked, engine, settings, relaxing, vector_of, found
            )
        )
    page = PageRequest(
        start=(checked.page - 1) * checked.size,
        size=checked.size,
        ranked=checked.ranked and relaxing.selection.query is not None,
        highlight=checked.highlight and relaxing.scored is not None,
        unmarked=unmarked_terms(relaxing.scored, checked.text, settings),
        neighbours=neighbours,
        vector_pending=vector_of.pending,
    )
    # Counted before the page, which waits for the query's vector: meanwhile.
    facets = engine.facets(matching, checked) if checked.facets else []
    hits = engine.page(relaxing, checked, page)
    related_total += neighbours().only_count
    if related_total and not found:  # only documents of similar meaning were found
        notices.append(Notice("related_only"))
    if plan.query is not None:
        hits = with_reasons(hits, plan.forms(), engine.holding)
    notices.extend(engine.notices())
    return SearchResult.answering(
        checked, q, total, hits, facets, started, related_total=related_total, notices=notices
    )


def _vector_of(
    plan: Plan, checked: CheckedRequest, engine: RequestEngine, by_meaning: bool
) -> semantic.QueryVector:
    """The query's vector: embedded from now on, beside the keyword search, when the
    index has vectors to compare it with; else computed if ever asked."""
    meaning = plan.meaning_text or checked.text
    rows = engine.vector_rows() if by_meaning else None
    if rows is not None and len(rows):
        return semantic.query_vector_soon(meaning, rows)
    return semantic.VectorOnDemand(meaning)


def _neighbours(
    plan: Plan,
    checked: CheckedRequest,
    engine: RequestEngine,
    settings: Settings,
    relaxing: Relaxing,
    vector_of: semantic.QueryVector,
    found: int,
) -> Neighbours:
    """The documents near the query by meaning that the page may use. Those found by
    meaning alone accompany keyword results (``found``: matches and related results)
    when the words have few matches (or related results follow anyway). They are all
    there is when every word is in some document but none holds enough of them together
    (``smartphone addiction in teenagers``); a query with a word no document holds (a
    typo, nonsense) says so plainly instead of showing the nearest neighbours of
    nonsense. Without anything to reorder or to add, the query is not even embedded."""
    if found:
        extras = plan.always_related or few_matches(plan, checked, engine, settings)
    else:
        extras = known_words_apart(plan, checked, engine, relaxing)
    if not (extras or relaxing.relaxed or settings.semantic_weight > 0):
        return NO_NEIGHBOURS
    return semantic.trimmed(engine.neighbours(vector_of, relaxing, checked), settings, extras)


def relax(
    plan: Plan, checked: CheckedRequest, engine: RequestEngine, settings: Settings
) -> Relaxing:
    """Relaxing, one rule for every backend: when fewer than min_all_word_hits documents
    of the whole collection hold every word of a query that may relax, documents holding
    enough of the words follow those with all of them. Enough is
    relaxed_min_word_fraction of the words some document holds (a typo or a question
    word no document holds cannot be required). Kept only when it finds more.

    A question, or words with translations, always relax (``plan.always_related``).
    Decided before the filters and the date range, so they only narrow what the words
    found: adding one never switches relaxing on. The matches (``preferred``) are what
    the total counts; the others are related results."""
    strict = Relaxing(Selection(plan.query), plan.scored)
    if plan.relaxed is None or plan.query is None:
        return strict
    checked = unfiltered(checked)
    strict_count = engine.count(strict.selection, checked)
    if strict_count >= settings.min_all_word_hits and not plan.always_related:
        return strict
    held: tuple | None = None
    at_least = 1
    if plan.min_word_fraction > 0:
        held = tuple(word for word in plan.words() if engine.holds(word))
        at_least = max(1, math.ceil(len(held) * plan.min_word_fraction - 1e-9))
    wider = Selection(plan.relaxed, held, at_least, also=plan.query)
    if engine.count(wider, checked) <= strict_count:
        return strict
    return Relaxing(
        wider,
        plan.scored_relaxed,
        preferred=strict.selection,
        min_words=at_least,
        words_held=len(held or ()),
    )


def few_matches(
    plan: Plan, checked: CheckedRequest, engine: RequestEngine, settings: Settings
) -> bool:
    """Whether the words have fewer than min_all_word_hits matches in the whole
    collection (before filters and dates, as relaxing decides, so a filter never adds
    related results): then documents found by meaning alone may follow them."""
    return engine.count(Selection(plan.query), unfiltered(checked)) < settings.min_all_word_hits


def known_words_apart(
    plan: Plan, checked: CheckedRequest, engine: RequestEngine, relaxing: Relaxing
) -> bool:
    """Whether every word of the query is in some document while no document holds
    enough of them (before filters and dates, so a filter never adds related results)."""
    if engine.count(relaxing.selection, unfiltered(checked)):
        return False
    words = plan.words()
    return bool(words) and all(engine.holds(word) for word in words)


def unfiltered(checked: CheckedRequest) -> CheckedRequest:
    """The request without its filters and date range: what relaxing and the documents
    found by meaning alone are decided on, so a filter only ever narrows."""
    return dataclasses.replace(checked, filters={}, date_from="", date_to="")


def correction_of(
    engine: RequestEngine, text: str, held_too: bool = False, question: bool = False
) -> str | None:
    """``text`` with the words no document holds corrected (query/spelling.py), or None;
    ``held_too``: also words held only inside longer words; ``question``: the text is
    longer than a short query (its dictionary words are kept as typed)."""
    vocabulary, analyzer = engine.vocabulary(), engine.morpheme_analyzer()
    preferred = engine.policy_terms()
    return correct(text, engine.holds_text, vocabulary, analyzer, held_too, preferred, question)


def _no_facets(checked: CheckedRequest) -> list:
    if not checked.facets:
        return []
    return [
        facet_of(name, {}, checked.filters.get(name, ()), checked.facet_size)
        for name in FACET_FIELDS
    ]
