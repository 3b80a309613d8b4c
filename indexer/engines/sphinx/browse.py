"""Reading the cluster besides searching: a stored document, a document with the query's
matches marked, suggestions as the user types, similar documents, when it was written.
"""

from __future__ import annotations

import json
import math
import re
import time
from datetime import datetime, timezone
from typing import Any

from indexer.engines.sphinx.backend import TIMEOUT_S
from indexer.engines.sphinx.marks import marked_field
from indexer.engines.sphinx.querytext import sphinx_word
from indexer.engines.sphinx.search import ClusterSearcher
from indexer.engines.sphinx.sphinxql import connect, serving_generation
from indexer.engines.sphinx.statements import Asked, document_row, ranking_options
from indexer.engines.sphinx.termstats import decode_counts, read_frequencies
from indexer.model.results import StoredDocument, Suggestion
from indexer.model.snippets import Snippet, plain_snippet
from indexer.query.textquery import text_query
from indexer.search.context_completions import with_context
from indexer.search.fragments import WHOLE_STYLE
from indexer.search.marks import unmarked_terms
from indexer.search.suggest import Typed, by_initials, with_correction, with_titles

SIMILAR_TERMS = 12  # words of a document that find its similar ones (as Whoosh's more_like)
_WORDLIKE = re.compile(r"\w")  # a word Sphinx indexes has a letter or a digit


def stored(searcher: ClusterSearcher, doc_id: str) -> dict[str, Any] | None:
    """A document's stored fields, or None when the cluster does not hold it."""
    with connect(searcher.layout.aggregator, TIMEOUT_S) as connection:
        row = document_row(connection, serving_generation(connection), doc_id, "stored")
    return json.loads(row[0]) if row else None


def marked_document(
    searcher: ClusterSearcher, doc_id: str, q: str
) -> tuple[Snippet, Snippet] | None:
    """A whole document's title and body with the terms of ``q`` marked (those of the
    any-word query when the document lacks some words); None when not held."""
    fields = stored(searcher, doc_id)
    if fields is None:
        return None
    settings, schema = searcher.settings, searcher.schema
    title, body = fields.get("title", ""), fields.get("body", "")
    whole_title = plain_snippet(title, len(title))
    text = q[: settings.max_query_chars]
    if not text.strip():
        return whole_title, Snippet(body)
    queries = text_query(searcher.builder, text, False, None, settings)
    for query in (queries.query, queries.relaxed):
        unmarked = unmarked_terms(query, text, settings)
        marked_title = marked_field(schema, query, "title", title, WHOLE_STYLE, unmarked)
        marked_body = marked_field(schema, query, "body", body, WHOLE_STYLE, unmarked)
        if marked_title or marked_body:
            # The whole body, though only its start was analysed for marks.
            body_snippet = Snippet(body, marked_body.spans) if marked_body else Snippet(body)
            return marked_title or whole_title, body_snippet
    return whole_title, Snippet(body)


def suggest(searcher: ClusterSearcher, text: str, limit: int) -> list[Suggestion]:
    """As SearchIndex.suggest: the text corrected when it has typos, then completions of
    its last word in context, then from the cluster's vocabulary, then titles holding it."""
    typed = Typed.of(text)
    if typed is None or limit < 1:
        return []
    settings = searcher.settings
    with connect(searcher.layout.aggregator, TIMEOUT_S) as connection:
        engine = searcher.request(connection)
        vocabulary = engine.vocabulary()
        initials = by_initials(typed, vocabulary, limit)
        if initials is not None:
            return initials
        completions = [
            typed.completed(term, "term", count)
            for term, count in vocabulary.completions(typed.prefix, limit)
        ]
        rows = _title_rows(engine.asked, settings, typed.prefix, limit * 2)
        titles = ((json.loads(row[3]).get("title", ""), row[2]) for row in rows)
        suggestions = with_titles(completions, titles, typed, limit * 3)
        corrected = with_correction(suggestions, text, engine, settings, limit)
        return with_context(corrected, text, engine, settings, limit)


def _title_rows(asked: Asked, settings: Any, prefix: str, limit: int) -> list[tuple]:
    """Documents whose title holds the word or (Hangul) its first two syllables."""
    if not _WORDLIKE.search(prefix):
        return []  # punctuation is not indexed: Sphinx rejects a query of it alone
    words = [sphinx_word(prefix)]
    if len(prefix) >= 2 and not prefix.isascii():
        words.append(sphinx_word(prefix[:2]))
    match = f"@(title,title_bigram) ({' | '.join(words)})"
    with asked.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, WEIGHT() AS score, doc_id, stored FROM {asked.generation} "
            f"WHERE MATCH(%s) LIMIT {limit} "
            + ranking_options(settings, asked.totals)
            + f", max_matches={limit}",
            (match,),
        )
        return list(cursor.fetchall())


def similar(searcher: ClusterSearcher, doc_id: str, limit: int) -> list[StoredDocument]:
    """Documents sharing the most distinctive words of this one's body ("more like
    this"): its SIMILAR_TERMS words of highest frequency times IDF, any of them."""
    with connect(searcher.layout.aggregator, TIMEOUT_S) as connection:
        asked = Asked.of(connection, time.perf_counter())
        match = _distinctive_words(asked, doc_id)
        if match is None:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, WEIGHT() AS score, doc_id, stored FROM {asked.generation} "
                f"WHERE MATCH(%s) ORDER BY score DESC, id ASC LIMIT {limit + 1} "
                + ranking_options(searcher.settings, asked.totals)
                + f", max_matches={limit + 1}",
                (match,),
            )
            found = cursor.fetchall()
    return [StoredDocument.from_stored(json.loads(row[3])) for row in found if row[2] != doc_id][
        :limit
    ]


def _distinctive_words(asked: Asked, doc_id: str) -> str | None:
    """A MATCH() of any of the document's most distinctive body words, or None."""
    row = document_row(asked.connection, asked.generation, doc_id, "terms")
    if row is None:
        return None
    counts = decode_counts(json.loads(row[0]).get("body", ""))
    frequencies = read_frequencies(
        asked.connection, asked.generation, {("body", term) for term in counts}
    )
    documents = asked.totals.documents
    weighted = sorted(
        (
            (count * math.log(1 + documents / (df + 1)), term)
            for term, count in counts.items()
            if (df := frequencies.get(("body", term), 0)) > 1 and len(term) > 1
        ),
        reverse=True,
    )[:SIMILAR_TERMS]
    if not weighted:
        return None
    return "@body (" + " | ".join(sphinx_word(term) for _, term in weighted) + ")"


def updated_at(searcher: ClusterSearcher) -> str:
    """When the serving generation was last written (ISO 8601, UTC)."""
    with connect(searcher.layout.aggregator, TIMEOUT_S) as connection:
        totals = Asked.of(connection, time.perf_counter()).totals
    if not totals.written_ns:
        return ""
    moment = datetime.fromtimestamp(totals.written_ns / 1e9, tz=timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
