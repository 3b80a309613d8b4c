"""The cluster's hits: stored fields, the title and the best passages of the body with
the query's matches marked (engines/sphinx/marks.py analyses the stored text again)."""

from __future__ import annotations

import json
from typing import Any

from whoosh import query as Q

from indexer.config import Settings
from indexer.engines.sphinx.marks import marked_field
from indexer.model.results import Hit, hit_fields
from indexer.model.snippets import plain_snippet
from indexer.search.fragments import TITLE_STYLE, snippet_style
from indexer.search.marks import MAX_TITLE_CHARS

SNIPPET_WINDOW = 2  # snippet lengths of a body analysed to mark a hit's snippet


def hit_of(
    row: tuple,
    score: float | None,
    marked_by: Q.Query | None,
    unmarked: frozenset[str],
    schema: Any,
    settings: Settings,
) -> Hit:
    """A hit of a row of id, score, doc_id and stored; ``marked_by``: the query whose
    matches are marked (None: no marks), but not the terms ``unmarked``."""
    stored = json.loads(row[3])
    title, body = stored.get("title", ""), stored.get("body", "")
    marked_title = marked_field(schema, marked_by, "title", title, TITLE_STYLE, unmarked)
    snippet = marked_field(
        schema,
        marked_by,
        "body",
        body,
        snippet_style(settings.snippet_chars),
        unmarked,
        window_chars=SNIPPET_WINDOW * settings.snippet_chars,
    )
    return Hit(
        id=row[2],
        marked_title=marked_title or plain_snippet(title, MAX_TITLE_CHARS),
        snippet=snippet or plain_snippet(body, settings.snippet_chars),
        score=round(score, 4) if score is not None else None,
        fields=hit_fields(stored),
    )
