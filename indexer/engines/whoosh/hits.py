"""Hits and marked documents: stored fields plus snippets with the query's matches.

Whoosh's highlighter marks from the stored character offsets of the matched terms,
which are found here for the shown documents only (indexer/highlight.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as Q
from whoosh.searching import Results

from indexer.deadline import NO_DEADLINE, Deadline
from indexer.engines.whoosh.evaluation import Evaluator
from indexer.engines.whoosh.offsets import attach_matched_terms, highlight_field, load_match_offsets
from indexer.model.results import MATCH, RELATED, Hit, hit_fields
from indexer.model.snippets import Snippet, plain_snippet
from indexer.query.builder import positive_part
from indexer.search.marks import (
    MAX_TITLE_CHARS,
    body_highlighter,
    title_highlighter,
    whole_highlighter,
)
from indexer.search.relax import PREFERRED_BONUS

# Titles and texts up to this long are analysed again to find the matches to mark;
# longer ones read the offsets stored in the index (x10 bench corpus, 240 queries, warm:
# p50 9.2 ms with stored offsets only, 8.0 ms at 150 characters, 8.5 ms at 600).
RETOKENIZE_MAX_CHARS = 200


@dataclass(frozen=True)
class MarkedFields:
    """A page document's stored fields and its marked title and snippet (None where
    nothing was marked): the same for a document whatever its place on the page."""

    stored: dict[str, Any]
    title: Snippet | None
    snippet: Snippet | None


def page_marks(
    evaluator: Evaluator,
    query: Q.Query,
    docnums: list[int],
    snippet_chars: int,
    deadline: Deadline,
    unmarked: frozenset[str] = frozenset(),
) -> dict[int, MarkedFields]:
    """The documents' stored fields with ``query``'s matches marked; terms in
    ``unmarked`` are not marked (see lone_syllables)."""
    if not docnums:
        return {}
    # Whoosh's own hit objects, so its highlighter can read the stored offsets.
    results = Results(evaluator.searcher, query, [(None, docnum) for docnum in docnums])
    page_hits = [results[position] for position in range(len(docnums))]
    # Excluded words are not marked. The page's matched terms and their offsets are
    # found here for the page only; the bigram fields (a fallback for marks) are left to
    # Whoosh, which loads them when first asked.
    attach_matched_terms(results, docnums, positive_part(query), evaluator.term_documents, unmarked)
    titles = _field_marks(page_hits, "title", title_highlighter(), 1, deadline)
    bodies = _field_marks(page_hits, "body", body_highlighter(snippet_chars), 2, deadline)
    return {
        hit.docnum: MarkedFields(hit.fields(), titles[hit.docnum], bodies[hit.docnum])
        for hit in page_hits
    }


def page_of_hits(
    evaluator: Evaluator,
    query: Q.Query | None,
    docnums: list[int],
    scores: list[float | None],
    preferred: np.ndarray | None,
    highlight: bool,
    snippet_chars: int,
    deadline: Deadline,
    unmarked: frozenset[str] = frozenset(),
    marked: dict[int, MarkedFields] | None = None,
) -> list[Hit]:
    """The page's hits, marked when ``highlight`` (``marked``: documents marked
    already, by ``page_marks`` with the same query). When related results follow the
    matches (``preferred``: the matches), the others are related and the matches' scores
    lose the bonus that ranked them first."""
    if not docnums:
        return []
    known = dict(marked or {})
    if highlight and query is not None:
        missing = [docnum for docnum in docnums if docnum not in known]
        known.update(page_marks(evaluator, query, missing, snippet_chars, deadline, unmarked))
    # Which of the page's documents are matches: the page is short, the matches may not be.
    page = np.asarray(docnums, dtype=np.int64)
    bonus_docs = set() if preferred is None else set(page[np.isin(page, preferred)].tolist())
    hits = []
    for docnum, score in zip(docnums, scores, strict=True):
        deadline.check()
        fields = known.get(docnum)
        if fields is None:
            fields = MarkedFields(evaluator.searcher.stored_fields(docnum), None, None)
        stored = fields.stored
        title, body = stored.get("title", ""), stored.get("body", "")
        if score is not None and docnum in bonus_docs:
            score -= PREFERRED_BONUS
        hits.append(
            Hit(
                id=stored.get("id", ""),
                marked_title=fields.title or plain_snippet(title, MAX_TITLE_CHARS),
                snippet=fields.snippet or plain_snippet(body, snippet_chars),
                score=round(score, 4) if score is not None else None,
                fields=hit_fields(stored),
                tier=RELATED if preferred is not None and docnum not in bonus_docs else MATCH,
            )
        )
    return hits


def marked_document(
    evaluator: Evaluator,
    docnum: int,
    queries: list[Q.Query | None],
    unmarked: frozenset[str] = frozenset(),
) -> tuple[Snippet, Snippet]:
    """A whole document's title and body with the matches of the first of ``queries``
    that matches it marked (a document found by a relaxed search holds only some of
    the words); unmarked when none does."""
    searcher = evaluator.searcher
    stored = searcher.stored_fields(docnum)
    title, body = stored.get("title", ""), stored.get("body", "")
    hit = None
    for query in queries:
        if query is None or hit is not None:
            continue
        matches = evaluator.evaluate(query)
        position = int(np.searchsorted(matches.ids, docnum))
        if position < len(matches) and matches.ids[position] == docnum:
            results = Results(searcher, query, [(float(matches.scores[position]), docnum)])
            attach_matched_terms(
                results, [docnum], positive_part(query), evaluator.term_documents, unmarked
            )
            hit = results[0]
    whole_title = plain_snippet(title, len(title))
    if hit is None:
        return whole_title, Snippet(body)
    highlighter = whole_highlighter()
    return (
        _field_marks([hit], "title", highlighter, 1, NO_DEADLINE)[docnum] or whole_title,
        _field_marks([hit], "body", highlighter, 1, NO_DEADLINE)[docnum] or Snippet(body),
    )


def _field_marks(
    page_hits: list[Any], fieldname: str, highlighter: Any, top: int, deadline: Deadline
) -> dict[int, Snippet | None]:
    """Each hit's field marked from its morphemes, else from its Hangul bigrams; None
    where neither marks anything.

    The matches' offsets are found first, for these hits only (see load_match_offsets:
    a long body's come from the index, not from analysing it again, which took 1.7 s
    for a million characters); the bigrams' only for the hits their morphemes left
    unmarked (Whoosh would read them for every hit of the page)."""
    results = page_hits[0].results
    texts = {hit.docnum: hit.fields().get(fieldname, "") for hit in page_hits}
    load_match_offsets(results, fieldname, texts, RETOKENIZE_MAX_CHARS)
    marked: dict[int, Snippet | None] = {}
    for hit in page_hits:
        deadline.check()
        marked[hit.docnum] = highlight_field(highlighter, hit, fieldname, texts[hit.docnum], top)
    bigrams = f"{fieldname}_bigram"
    left = {docnum: texts[docnum] for docnum, snippet in marked.items() if snippet is None}
    if left:
        load_match_offsets(results, bigrams, left, RETOKENIZE_MAX_CHARS)
    for hit in page_hits:
        if hit.docnum in left:
            deadline.check()
            marked[hit.docnum] = highlight_field(highlighter, hit, bigrams, left[hit.docnum], top)
    return marked
