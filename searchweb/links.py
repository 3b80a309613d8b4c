"""The addresses the app writes into its answers, never built from the request's Host.

A Host header is whatever the client sent: echoed into OpenSearch, OpenAPI or widget
links it poisons any cache that does not key on it. Absolute addresses come from the
setting public_url; without it links are relative to the server.
"""

from __future__ import annotations

from indexer import Settings
from indexer.model.results import document_path  # the one place that decides document URLs

__all__ = ["document_path", "public_base_url"]


def public_base_url(settings: Settings) -> str:
    """The server's absolute address without a trailing slash, or "" when unknown."""
    return settings.public_url.rstrip("/")
