"""What every route that searches shares: one rate limit per client, a harder one for
raw (Whoosh syntax) queries, and the one handler of the core's errors.

One place decides it: the routes that search are listed in SEARCHING_ENDPOINTS and the
check runs before any of them (tests/test_web_security.py fails when a route is added
without being listed here or in NON_SEARCHING_ENDPOINTS). An error's HTTP status is the
error's own (``http_status`` on each class in indexer/errors.py).
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

from flask import Flask, Response, current_app, jsonify, request

from indexer import Settings
from indexer.errors import PolicySearchError, SearchTimeoutError
from indexer.messages import render

from .i18n import pick_language
from .params import FIELD_PARAMS, RAW_TRUE
from .ratelimit import RateLimiter

logger = logging.getLogger(__name__)
# A service that does not answer is asked again after this long (as the front's 503).
RETRY_UNAVAILABLE_S = 5

SEARCHING_ENDPOINTS = frozenset(
    {
        "views.search_page",
        "views.document_page",
        "embed.frame",
        "api.api_search",
        "api.api_facet",
        "api.api_export",
        "views.feed",
        "api.api_document",
        "api.api_suggest",
        "views.document_text",
    }
)
NON_SEARCHING_ENDPOINTS = frozenset(
    {"static", "embed.script", "embed.opensearch", "api.api_openapi", "views.subscribe"}
)


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
    app.register_error_handler(PolicySearchError, core_error)


def wants_raw() -> bool:
    return request.args.get("raw", "") in RAW_TRUE


def core_error(exc: PolicySearchError) -> Response:
    """Any core error a route let through: its status, its message in the user's language."""
    retry_after_s = exc.retry_after_s if isinstance(exc, SearchTimeoutError) else None
    if exc.client_code is not None:  # the details are the operator's: logged, not shown
        logger.error("%s (answered %d %s)", exc, exc.http_status, exc.client_code)
        return refusal(exc.http_status, exc.client_code, retry_after_s=RETRY_UNAVAILABLE_S)
    message = exc.message(pick_language(request), FIELD_PARAMS)
    params = exc.named_params(FIELD_PARAMS)
    return refusal(exc.http_status, exc.code, params, retry_after_s, message)


def _limit_searches() -> Response | None:
    if request.endpoint not in SEARCHING_ENDPOINTS or request.method == "OPTIONS":
        return None
    settings: Settings = current_app.config["SETTINGS"]
    client = request.remote_addr or "unknown"
    checks = [("policysearch_rate_limiter", settings.api_requests_per_minute, "too_many_requests")]
    if wants_raw():
        checks.append(
            (
                "policysearch_raw_rate_limiter",
                settings.raw_queries_per_minute,
                "too_many_raw_requests",
            )
        )
    for name, per_minute, code in checks:
        limiter = current_app.extensions.get(name)
        if limiter is None:
            continue
        decision = limiter.check(client)
        if not decision.allowed:
            params = {"per_minute": per_minute, "retry_after_s": decision.retry_after_s}
            return refusal(429, code, params, decision.retry_after_s)
    return None


def refusal(
    status: int,
    code: str,
    params: Mapping[str, Any] | None = None,
    retry_after_s: int | None = None,
    message: str | None = None,
) -> Response:
    """An error answer: JSON under /api/ (code, parameters, the message), else the
    message page. The message is the code's, in the user's language, unless given."""
    params = dict(params or {})
    if message is None:
        message = render(code, pick_language(request), params)
    if request.path.startswith("/api/"):
        response = jsonify(error=message, code=code, params=params, status=status)
        response.status_code = status
    else:
        from .views import render_page

        response = render_page("message.html", status=status, message=message)
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(retry_after_s)
    return response
