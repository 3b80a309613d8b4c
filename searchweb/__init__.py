"""policysearch's web front end: a thin Flask shell over indexer's search API.

``create_app(config=None)`` reads settings in layers: indexer's defaults, then the
TOML file, then POLICYSEARCH_* environment variables, then the ``config`` mapping
(``INDEX_DIR``, ``CORS_ORIGINS``, ``SETTINGS`` ...). The app only reads the index;
the ``SearchIndex`` it holds gives each thread its own searcher and moves to a
new index generation as soon as ``policysearch index``/``reindex`` switched it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from indexer import SearchRequest, load_settings
from indexer.analytics import search_log
from indexer.backends import SearchBackend, open_index
from indexer.model.results import SearchResult, WarmUpReport
from indexer.past_searches import PastSearches

WEB_DEFAULTS: dict[str, Any] = {
    # Origins allowed to read /api/* from the browser; "*" = any (the search is public).
    "CORS_ORIGINS": "*",
    "JSON_SORT_KEYS": False,
    # Decode the common terms' postings on a background thread when an index generation
    # opens (serve sets it; tests and one-off apps need not pay for it).
    "WARM_IN_BACKGROUND": False,
    # Requests come through serve's front, which adds the client to X-Forwarded-For.
    "BEHIND_FRONT": False,
}

CSP_APP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
# The iframe widget is meant to be framed by other sites.
CSP_EMBED_FRAME = CSP_APP.replace("frame-ancestors 'self'", "frame-ancestors *")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(WEB_DEFAULTS)
    origins = os.environ.get("POLICYSEARCH_CORS_ORIGINS")
    if origins:
        app.config["CORS_ORIGINS"] = origins
    if config:
        app.config.update(config)
    settings = app.config.get("SETTINGS") or load_settings(
        app.config.get("CONFIG_FILE"), index_dir=app.config.get("INDEX_DIR")
    )
    app.config["SETTINGS"] = settings
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False
        app.json.sort_keys = False

    # Opened lazily so the app starts (and explains itself) before an index exists.
    app.extensions["policysearch_index"] = None
    app.extensions["policysearch_search_log"] = log = search_log(settings)
    app.extensions["policysearch_past_searches"] = (
        PastSearches(log, settings.related_searches_min_count)
        if log is not None and settings.related_searches_min_count > 0
        else None
    )
    from .export_slots import ExportSlots

    served = settings.cluster_dir if settings.backend == "cluster" else settings.index_dir
    app.extensions["policysearch_export_slots"] = ExportSlots(
        str(Path(served).resolve()), settings.export_concurrency
    )

    from . import api, embed, guard, views

    # The client address is the one the trusted proxies saw (for rate limiting); serve's
    # front (searchweb/front.py) is one more proxy, and appends the address it saw.
    hops = settings.proxy_hops + (1 if app.config["BEHIND_FRONT"] else 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]

    from .links import document_path, vary_on_host

    app.jinja_env.globals["document_path"] = document_path
    guard.install(app, settings)
    app.register_blueprint(views.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(embed.blueprint)
    app.after_request(_security_headers)
    app.after_request(vary_on_host)
    return app


def search_index(app: Flask) -> SearchBackend:
    """The app's index (the Whoosh index, or the cluster when setting backend says so),
    opened on first use (raises IndexMissingError until one exists)."""
    index = app.extensions.get("policysearch_index")
    if index is None:
        settings = app.config["SETTINGS"]
        index = open_index(
            settings,
            warm_in_background=app.config["WARM_IN_BACKGROUND"],
            on_warm_up=_log_warm_up,
        )
        app.extensions["policysearch_index"] = index
    return index


def record_search(app: Flask, search: SearchRequest, result: SearchResult) -> None:
    """Adds a first page of results to the search log (indexer/analytics.py), if on."""
    log = app.extensions.get("policysearch_search_log")
    if log is None or search.page != 1:
        return
    filters: dict[str, Any] = {
        name: list(values) for name, values in search.filter_values().items()
    }
    filters.update({"from": search.date_from, "to": search.date_to})
    log.record(
        search.q,
        filters,
        result.total,
        result.took_ms,
        related=result.related_total,
        searched=result.searched,
    )


def _log_warm_up(report: WarmUpReport) -> None:
    # gunicorn's error log is the server's log (stderr by default).
    logging.getLogger("gunicorn.error").info(
        "Warmed the postings of %d frequent terms of %s in %.1f s (%.0f MB cached).",
        report.terms,
        report.generation,
        report.seconds,
        report.cached_mb,
    )


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        framed = request.endpoint == "embed.frame"
        response.headers.setdefault(
            "Content-Security-Policy", CSP_EMBED_FRAME if framed else CSP_APP
        )
        if not framed:
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response
