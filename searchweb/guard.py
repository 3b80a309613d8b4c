"""What every route that searches shares: one rate limit per client, a harder one for
raw (Whoosh syntax) queries, and the HTTP status of each error the core raises.

One place decides it: the routes that search are listed in SEARCHING_ENDPOINTS and the
check runs before any of them (tests/test_web_security.py fails when a route is added
without being listed here or in NON_SEARCHING_ENDPOINTS).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, request

from indexer import IndexMissingError, QueryError, Settings
from indexer.errors import PolicySearchError, SearchTimeoutError

from .params import RAW_TRUE
from .ratelimit import RateLimiter

SEARCHING_ENDPOINTS = frozenset(
    {
        "views.search_page",
        "views.document_page",
        "embed.frame",
        "api.api_search",
        "api.api_document",
        "api.api_suggest",
    }
)
NON_SEARCHING_ENDPOINTS = frozenset(
    {"static", "embed.script", "embed.opensearch", "api.api_openapi"}
)
# Seconds a client is asked to wait after a search ran out of time (the server is busy
# or the query is too broad either way).
TIMEOUT_RETRY_AFTER_S = 5


def http_status(error: PolicySearchError) -> int:
    """The HTTP status of a core error shown to a web user."""
    if isinstance(error, QueryError):
        return 400
    if isinstance(error, (IndexMissingError, SearchTimeoutError)):
        return 503
    return 500


def install(app: Flask, settings: Settings) -> None:
    if settings.api_requests_per_minute > 0:
        app.extensions["policysearch_rate_limiter"] = RateLimiter(
            settings.api_requests_per_minute, settings.api_burst
        )
    if settings.allow_raw_queries and settings.raw_queries_per_minute > 0:
        app.extensions["policysearch_raw_rate_limiter"] = RateLimiter(
            settings.raw_queries_per_minute, max(1, settings.raw_queries_per_minute // 6)
        )
    app.before_request(_limit_searches)


def wants_raw() -> bool:
    return request.args.get("raw", "") in RAW_TRUE


def _limit_searches() -> Response | None:
    if request.endpoint not in SEARCHING_ENDPOINTS or request.method == "OPTIONS":
        return None
    settings: Settings = current_app.config["SETTINGS"]
    client = request.remote_addr or "unknown"
    checks = [("policysearch_rate_limiter", settings.api_requests_per_minute, "")]
    if wants_raw():
        checks.append(
            (
                "policysearch_raw_rate_limiter",
                settings.raw_queries_per_minute,
                " with query syntax (raw=1)",
            )
        )
    for name, per_minute, kind in checks:
        limiter = current_app.extensions.get(name)
        if limiter is None:
            continue
        decision = limiter.check(client)
        if not decision.allowed:
            message = (
                f"Too many searches{kind}: the limit is {per_minute} a minute per "
                f"client. Try again in {decision.retry_after_s} s."
            )
            return refusal(429, message, "too_many_requests", decision.retry_after_s)
    return None


def refusal(
    status: int, message: str, message_key: str, retry_after_s: int | None = None
) -> Response:
    """An error answer: JSON under /api/, else the message page in the user's language."""
    if request.path.startswith("/api/"):
        response = jsonify(error=message, status=status)
        response.status_code = status
    else:
        from .views import render_page

        response = render_page("message.html", status=status, message_key=message_key)
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(retry_after_s)
    return response
