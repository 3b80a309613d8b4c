"""One request on the Whoosh index, as the engine-neutral search asks it
(search/engine.py ``RequestEngine``): queries are Whoosh query trees evaluated as NumPy
arrays over one reader view; filters and dates are masks over the documents.

Each query is evaluated once per request and kept: the relaxing rule, the totals, the
page and the facets all read the same matches.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np
from whoosh import query as Q

from indexer.config import Settings
from indexer.deadline import Deadline
from indexer.engines.whoosh.evaluation import Evaluator
from indexer.engines.whoosh.facet_tables import count_facets
from indexer.engines.whoosh.hits import MarkedFields, page_marks, page_of_hits
from indexer.engines.whoosh.masks import Masks, document_mask, request_masks
from indexer.engines.whoosh.offsets import body_passage_evidence
from indexer.engines.whoosh.searchers import ReaderView
from indexer.messages import Notice
from indexer.model.facets import Facet
from indexer.model.request import CheckedRequest
from indexer.model.results import Hit
from indexer.query.builder import Weights
from indexer.query.expansions import BY_NAME
from indexer.query.spelling import Vocabulary
from indexer.query.textquery import query_builder, text_query
from indexer.search.engine import PageRequest, Plan, Relaxing, Selection
from indexer.search.evaluation import Matches
from indexer.search.passages import FIELD as PASSAGE_FIELD
from indexer.search.passages import with_passages
from indexer.search.ranking import top_documents
from indexer.search.relax import PREFERRED_BONUS
from indexer.search.semantic import NO_NEIGHBOURS, Neighbours, QueryVector, fuse, labelled


class WhooshRequest:
    """The answers one request needs from one reader view of the Whoosh index."""

    def __init__(
        self, view: ReaderView, settings: Settings, weights: Weights, deadline: Deadline
    ) -> None:
        self.view = view
        self.settings = settings
        self.deadline = deadline
        self.evaluator = view.evaluator(deadline)
        self.builder = query_builder(view.searcher.schema, weights, settings)
        self._matches: dict[int, Matches] = {}  # by id() of a query this request made
        self._queries: list[Any] = []  # keeps those queries alive, so ids stay unique
        self._filters: dict[tuple, Masks] = {}
        self._selections: dict[tuple, Matches] = {}
        self._page_docnums: dict[str, int] = {}  # the page's hits, by id
        self._vector_problem = ""  # why similar meaning was not searched

    def plan(self, checked: CheckedRequest) -> Plan:
        return plan_of(self.builder, self.view.reader, self.settings, self.deadline, checked)

    def holds(self, word: Any) -> bool:
        return len(self._evaluated(word)) > 0

    def holds_text(self, word: str) -> bool:
        query = self.builder.word_query(word)
        return query is not None and len(self.evaluator.evaluate(query)) > 0

    def vocabulary(self) -> Vocabulary:
        return self.view.shared.vocabulary(self.view.reader)

    def morpheme_analyzer(self) -> Callable[..., Iterable[Any]]:
        return self.builder.morphemes

    def policy_terms(self) -> frozenset[str]:
        return self.builder.expansions.thesaurus.words

    def notices(self) -> list[Notice]:
        if self._vector_problem:
            return [Notice("semantic_unavailable", {"reason": self._vector_problem})]
        return []

    def holding(self, query: Any, hits: Sequence[Hit]) -> frozenset[str]:
        docnums = {self._page_docnums[hit.id]: hit.id for hit in hits}
        found = self._evaluated(query).ids
        held = np.isin(np.fromiter(docnums, np.int64, len(docnums)), found, assume_unique=True)
        return frozenset(hit_id for hit_id, yes in zip(docnums.values(), held, strict=True) if yes)

    # -- counting, paging, facets -----------------------------------------------------------

    def count(self, selection: Selection, checked: CheckedRequest) -> int:
        matches = self._selected(selection, checked)
        return int(self._masks(checked).allowed[matches.ids].sum())

    def page(self, relaxing: Relaxing, checked: CheckedRequest, page: PageRequest) -> list[Hit]:
        matches = self._selected(relaxing.selection, checked)
        preferred = None
        if relaxing.preferred is not None:
            preferred = self._selected(relaxing.preferred, checked).ids
        ids, scores, is_match = candidates(matches, preferred, self._masks(checked).allowed)
        if page.ranked and self.settings.passage_weight > 0 and not checked.raw:
            scores = with_passage_evidence(self.view, self.settings, ids, scores, checked.text)
        marked = _marked_early(self, relaxing, checked, page, (ids, scores, is_match))
        neighbours = page.neighbours()  # waits for the query's vector, when it has to
        fused = fuse(ids, scores, is_match, neighbours, self.settings)
        if len(neighbours.ids):  # the fused order, and the matches it marks
            ids, scores, is_match = fused.ids, fused.scores, fused.is_match
            preferred = np.sort(ids[is_match]) if is_match is not None else None
        docnums, page_scores = page_of(self.view, ids, scores, page, checked.sort, is_match)
        hits = page_of_hits(
            self.evaluator,
            relaxing.scored,
            docnums,
            page_scores,
            preferred,
            page.highlight,
            self.settings.snippet_chars,
            self.deadline,
            page.unmarked,
            marked,
        )
        self._page_docnums.update(zip((hit.id for hit in hits), docnums, strict=True))
        return labelled(hits, [docnum in fused.by_meaning for docnum in docnums])

    def vector_rows(self) -> np.ndarray:
        return self.view.shared.vector_table(self.view.generation, self.view.reader).matrix

    def neighbours(
        self, vector_of: QueryVector, relaxing: Relaxing, checked: CheckedRequest
    ) -> Neighbours:
        table = self.view.shared.vector_table(self.view.generation, self.view.reader)
        if table.problem:
            self._vector_problem = table.problem
        vector = vector_of() if len(table.matrix) else None
        if vector is None:
            return NO_NEIGHBOURS
        masks = self._masks(checked)
        allowed = masks.allowed & self.evaluator.arrays.live
        if masks.dates is not None:
            allowed = allowed & masks.dates
        found = self._selected(relaxing.selection, checked).ids
        similarity = vector_of.similarity_to(table.matrix)
        return table.neighbours(vector, allowed, found, self.settings, similarity)

    def facets(self, selection: Selection, checked: CheckedRequest) -> list[Facet]:
        matching = document_mask(self._selected(selection, checked).ids, _doc_count(self.evaluator))
        return count_facets(
            self.view.shared.facet_tables,
            matching,
            self._masks(checked).filters,
            {name: list(values) for name, values in checked.filters.items()},
            checked.facet_size,
        )

    # -- internals --------------------------------------------------------------------------

    def _evaluated(self, query: Any) -> Matches:
        """The query's matches (every document for None), evaluated once a request."""
        found = self._matches.get(id(query))
        if found is None:
            found = self.evaluator.evaluate(query)
            self._matches[id(query)] = found
            self._queries.append(query)
        return found

    def _selected(self, selection: Selection, checked: CheckedRequest) -> Matches:
        """The selection's matches within the request's dates, found once a request (the
        relaxing rule, the totals, the page and the facets ask for the same ones)."""
        words = None if selection.words is None else tuple(map(id, selection.words))
        key: tuple = (id(selection.query), words, selection.at_least, id(selection.also))
        key += (checked.date_from, checked.date_to)
        if key not in self._selections:
            self._selections[key] = self._select(selection, checked)
        return self._selections[key]

    def _select(self, selection: Selection, checked: CheckedRequest) -> Matches:
        held = None
        if selection.words is not None:
            held = np.zeros(_doc_count(self.evaluator), dtype=np.int32)
            for word in selection.words:
                held[self._evaluated(word).ids] += 1
        return selected(self._evaluated, selection, self._masks(checked).dates, held)

    def _masks(self, checked: CheckedRequest) -> Masks:
        filters = tuple(sorted((name, tuple(values)) for name, values in checked.filters.items()))
        key = (filters, checked.date_from, checked.date_to)
        if key not in self._filters:
            self._filters[key] = request_masks(self.view, self.evaluator, checked)
        return self._filters[key]


def _marked_early(
    request: WhooshRequest,
    relaxing: Relaxing,
    checked: CheckedRequest,
    page: PageRequest,
    candidates: tuple[np.ndarray, np.ndarray, np.ndarray | None],
) -> dict[int, MarkedFields]:
    """While the query's vector is still being computed (on the other core), the
    documents of the keyword order's page (``candidates``: ids, scores, is_match),
    marked: fusing with meaning mostly keeps them on the page, which then marks only
    those it adds."""
    if not (page.highlight and relaxing.scored is not None and page.vector_pending()):
        return {}
    ids, scores, is_match = candidates
    docnums, _ = page_of(request.view, ids, scores, page, checked.sort, is_match)
    return page_marks(
        request.evaluator,
        relaxing.scored,
        docnums,
        request.settings.snippet_chars,
        request.deadline,
        page.unmarked,
    )


def _doc_count(evaluator: Evaluator) -> int:
    return int(evaluator.arrays.doc_count_all)


def within(
    matches: Matches, dates: np.ndarray | None, held: np.ndarray | None, at_least: int
) -> Matches:
    """``matches`` in the ``dates`` (a mask; None: any date) holding at least
    ``at_least`` words (``held``: how many each document holds; None: any)."""
    keep = np.ones(len(matches.ids), dtype=bool)
    if dates is not None:
        keep &= dates[matches.ids]
    if held is not None:
        keep &= held[matches.ids] >= at_least
    return matches if keep.all() else Matches(matches.ids[keep], matches.scores[keep])


def selected(
    evaluated: Callable[[Any], Matches],
    selection: Selection,
    dates: np.ndarray | None,
    held: np.ndarray | None,
) -> Matches:
    """The selection's documents in the ``dates``: its query's matches holding enough
    words (``held``), and those of ``selection.also``."""
    matches = within(evaluated(selection.query), dates, held, selection.at_least)
    if selection.also is None:
        return matches
    return united(matches, within(evaluated(selection.also), dates, None, 1))


def united(first: Matches, second: Matches) -> Matches:
    """The documents of either, each with its score in ``first`` when it has one there."""
    extra = ~np.isin(second.ids, first.ids, assume_unique=True)
    if not extra.any():
        return first
    ids = np.concatenate([first.ids, second.ids[extra]])
    scores = np.concatenate([first.scores, second.scores[extra]])
    order = np.argsort(ids, kind="stable")
    return Matches(ids[order], scores[order])


def candidates(
    matches: Matches, preferred: np.ndarray | None, allowed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The documents a page is chosen from (those ``allowed`` by the filters), their
    scores, and, when related results follow, which are matches (``preferred``): their
    scores raised so they rank first."""
    ids, scores = matches.ids, matches.scores
    is_match = None
    if preferred is not None:
        is_match = np.isin(ids, preferred, assume_unique=True)
        scores = scores + is_match * PREFERRED_BONUS
    keep = allowed[ids]
    return ids[keep], scores[keep], None if is_match is None else is_match[keep]


def with_passage_evidence(
    view: ReaderView, settings: Settings, ids: np.ndarray, scores: np.ndarray, text: str
) -> np.ndarray:
    """The scores with the passage evidence of the best documents (search/passages.py)."""
    searcher = view.searcher
    return with_passages(
        ids,
        scores,
        text,
        searcher.schema[PASSAGE_FIELD].analyzer,
        settings,
        lambda best, morphemes: body_passage_evidence(
            searcher,
            ids[best].tolist(),
            morphemes,
            settings.shared_title_weight,
            view.shared.arrays,
        ),
    )


def page_of(
    view: ReaderView,
    ids: np.ndarray,
    scores: np.ndarray,
    page: PageRequest,
    sort: str,
    is_match: np.ndarray | None = None,
) -> tuple[list[int], list[float | None]]:
    """The page's document numbers and scores (None when sorted by date); by date, the
    matches (``is_match``, when related results follow) come first."""
    limit = page.start + page.size
    if page.ranked:
        best = top_documents(ids, scores, limit)
    else:
        # By date (or browsing without a query): a sort, relevance only between equals.
        order = view.shared.date_order(view.reader)
        best = order.order(ids, scores, sort == "oldest", is_match)[:limit]
    chosen = best[page.start : limit]
    if not page.ranked:
        return ids[chosen].tolist(), [None] * len(chosen)
    return ids[chosen].tolist(), [float(score) for score in scores[chosen]]


def plan_of(
    builder: Any, reader: Any, settings: Settings, deadline: Deadline, checked: CheckedRequest
) -> Plan:
    """What the request's text asks, as Whoosh query trees (query/textquery.py)."""
    text = text_query(
        builder,
        checked.text,
        checked.raw,
        reader,
        settings,
        deadline,
        filtered_fields=checked.filters.keys(),
        translated=BY_NAME[checked.translations],
    )
    return Plan(
        query=text.query,
        scored=text.query,
        relaxed=text.relaxed,
        scored_relaxed=text.relaxed,
        words=text.words,
        min_word_fraction=text.min_word_fraction,
        notices=tuple(text.notices),
        nothing=text.query is Q.NullQuery,
        filters=text.filters,
        text=text.text,
        always_related=text.always_related,
        forms=text.forms,
        meaning_text=text.meaning_text,
    )
