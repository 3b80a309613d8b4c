"""Hits and marked documents: stored fields plus snippets with the query's matches.

The matched terms' character offsets are found for the shown documents only
(engines/whoosh/offsets.py) and made into snippets by search/fragments.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as Q

from indexer.deadline import NO_DEADLINE, Deadline
from indexer.engines.whoosh.evaluation import Evaluator
from indexer.engines.whoosh.offsets import DocumentTerms, field_matches, matched_terms
from indexer.model.results import MATCH, RELATED, Hit, hit_fields
from indexer.model.snippets import Snippet, plain_snippet
from indexer.query.builder import positive_part
from indexer.search.fragments import (
    TITLE_STYLE,
    WHOLE_STYLE,
    MarkStyle,
    marked_text,
    snippet_style,
)
from indexer.search.marks import MAX_TITLE_CHARS
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
    searcher = evaluator.searcher
    # Excluded words are not marked; the matched terms are found for the page only.
    docterms = matched_terms(
        searcher.schema, docnums, positive_part(query), evaluator.term_documents, unmarked
    )
    stored = {docnum: searcher.stored_fields(docnum) for docnum in docnums}
    titles = _field_marks(evaluator, stored, docterms, "title", TITLE_STYLE, deadline)
    bodies = _field_marks(
        evaluator, stored, docterms, "body", snippet_style(snippet_chars), deadline
    )
    return {
        docnum: MarkedFields(stored[docnum], titles[docnum], bodies[docnum]) for docnum in docnums
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
    stored = {docnum: searcher.stored_fields(docnum)}
    title, body = stored[docnum].get("title", ""), stored[docnum].get("body", "")
    whole_title = plain_snippet(title, len(title))
    for query in queries:
        if query is None:
            continue
        matches = evaluator.evaluate(query)
        position = int(np.searchsorted(matches.ids, docnum))
        if position < len(matches) and matches.ids[position] == docnum:
            docterms = matched_terms(
                searcher.schema, [docnum], positive_part(query), evaluator.term_documents, unmarked
            )
            marked = (
                _field_marks(evaluator, stored, docterms, fieldname, WHOLE_STYLE, NO_DEADLINE)
                for fieldname in ("title", "body")
            )
            marked_title, marked_body = (snippets[docnum] for snippets in marked)
            return marked_title or whole_title, marked_body or Snippet(body)
    return whole_title, Snippet(body)


def _field_marks(
    evaluator: Evaluator,
    stored: dict[int, dict[str, Any]],
    docterms: DocumentTerms,
    fieldname: str,
    style: MarkStyle,
    deadline: Deadline,
) -> dict[int, Snippet | None]:
    """Each document's field marked from its morphemes, else from its Hangul bigrams;
    None where neither marks anything. The bigrams' offsets are found only for the
    documents their morphemes left unmarked."""
    texts = {docnum: fields.get(fieldname, "") for docnum, fields in stored.items()}
    marked: dict[int, Snippet | None] = dict.fromkeys(texts)
    for name in (fieldname, f"{fieldname}_bigram"):
        left = {docnum: texts[docnum] for docnum, snippet in marked.items() if snippet is None}
        if not left:
            break
        matches = field_matches(
            evaluator.searcher, name, left, docterms, RETOKENIZE_MAX_CHARS, evaluator.arrays
        )
        for docnum, text in left.items():
            deadline.check()
            marked[docnum] = marked_text(text, matches[docnum], style)
    return marked
