"""The addresses the app writes into its answers.

A Host header is whatever the client sent: echoed into feed, OpenSearch, OpenAPI or
widget links it poisons any cache that does not key on it. Absolute addresses come from
the setting public_url; without it, from the request's Host when setting trusted_hosts
names it (answers then vary on Host); else links are relative to the server.
"""

from __future__ import annotations

from flask import Response, current_app, has_request_context, request

from indexer import Settings
from indexer.config_checks import host_names
from indexer.model.results import document_path  # the one place that decides document URLs

__all__ = ["document_path", "public_base_url", "vary_on_host"]


def public_base_url(settings: Settings) -> str:
    """The server's absolute address without a trailing slash, or "" when unknown."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    if has_request_context() and _trusted(request.host, settings):
        return f"{request.scheme}://{request.host.lower()}"
    return ""


def _trusted(host: str, settings: Settings) -> bool:
    name = host.lower()
    if not name.startswith("["):
        name = name.rsplit(":", 1)[0]
    elif "]" in name:
        name = name[: name.index("]") + 1]
    return name in host_names(settings.trusted_hosts)


def vary_on_host(response: Response) -> Response:
    """Without public_url, links may come from the Host header: caches must key on it."""
    if not current_app.config["SETTINGS"].public_url:
        response.vary.add("Host")
    return response
