"""The addresses the app writes into its answers, never built from the request's Host.

A Host header is whatever the client sent: echoed into OpenSearch, OpenAPI or widget
links it poisons any cache that does not key on it. Absolute addresses come from the
setting public_url; without it links are relative to the server.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from indexer import Settings

DOT_SEGMENTS = frozenset({".", ".."})


def public_base_url(settings: Settings) -> str:
    """The server's absolute address without a trailing slash, or "" when unknown."""
    return settings.public_url.rstrip("/")


def document_path(doc_id: str, q: str = "") -> str:
    """The path of a document's page.

    An id is one path segment, percent-encoded; an id with a dot segment (``..``,
    ``a/./b``) is passed as ``?id=`` instead, because browsers resolve dot segments,
    even percent-encoded ones, before the request is made.
    """
    params = [("q", q)] if q else []
    if DOT_SEGMENTS & set(doc_id.split("/")) or not doc_id:
        return f"/doc?{urlencode([('id', doc_id), *params])}"
    path = f"/doc/{quote(doc_id, safe='')}"
    return f"{path}?{urlencode(params)}" if params else path
