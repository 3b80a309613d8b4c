"""The JSON API: search, documents, suggestions, its OpenAPI description, and CORS for reads."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from indexer import IndexMissingError, QueryError

from . import search_index
from .openapi import openapi_document
from .params import search_request, toggle_url

blueprint = Blueprint("api", __name__, url_prefix="/api")
MAX_SUGGESTIONS = 20


def error(status: int, message: str) -> Response:
    response = jsonify(error=message, status=status)
    response.status_code = status
    return response


@blueprint.errorhandler(QueryError)
def query_error(exc: QueryError) -> Response:
    return error(400, str(exc))


@blueprint.errorhandler(IndexMissingError)
def index_missing(exc: IndexMissingError) -> Response:
    return error(503, str(exc))


@blueprint.app_errorhandler(405)
def method_not_allowed(exc):
    # Routing errors happen before a blueprint is chosen, hence an app-wide handler.
    if request.path.startswith("/api/"):
        return error(405, "Only GET is allowed on the API.")
    return exc


@blueprint.before_request
def rate_limit() -> Response | None:
    limiter = current_app.extensions.get("policysearch_rate_limiter")
    if limiter is None or request.method == "OPTIONS":
        return None
    decision = limiter.check(request.remote_addr or "unknown")
    if decision.allowed:
        return None
    settings = current_app.config["SETTINGS"]
    response = error(429, f"Too many requests: the limit is {settings.api_requests_per_minute} "
                          f"a minute per client. Try again in {decision.retry_after_s} s.")
    response.headers["Retry-After"] = str(decision.retry_after_s)
    return response


@blueprint.after_request
def cors(response: Response) -> Response:
    """CORS for reads only: the API changes nothing, so GET is all a browser may send."""
    allowed = _allowed_origin(request.headers.get("Origin"))
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "86400"
        if allowed != "*":
            response.headers.add("Vary", "Origin")
    return response


def _allowed_origin(origin: str | None) -> str | None:
    setting = current_app.config.get("CORS_ORIGINS", "*")
    origins = [o.strip() for o in (setting.split(",") if isinstance(setting, str) else setting)]
    if "*" in origins:
        return "*"
    return origin if origin and origin in origins else None


@blueprint.get("/search")
def api_search() -> Response:
    args = request.args
    result = search_index(current_app).search(search_request(args))
    data = result.to_dict()
    data["hits"] = [{
        "id": hit["id"], "title": hit["title"], "title_html": hit["title_html"],
        "url": hit["url"], "doc_url": url_for("views.document_page", doc_id=hit["id"]),
        "snippet": hit["snippet_html"],
        "category": hit["category"], "department": hit["department"], "date": hit["date"],
        "year": hit["year"], "lang": hit["lang"], "score": hit["score"],
    } for hit in data["hits"]]
    for facet in data["facets"]:
        for value in facet["values"]:
            value["toggle_url"] = toggle_url("/api/search", args, facet["name"], value["value"])
    return jsonify(data)


@blueprint.get("/doc/<path:doc_id>")
def api_document(doc_id: str) -> Response:
    document = search_index(current_app).document(doc_id)
    if document is None:
        return error(404, f"No document with id {doc_id!r}.")
    return jsonify(document.to_dict())


@blueprint.get("/suggest")
def api_suggest() -> Response:
    text = request.args.get("q", "")
    try:
        limit = min(max(int(request.args.get("limit", 8)), 1), MAX_SUGGESTIONS)
    except ValueError:
        return error(400, "limit must be a whole number.")
    suggestions = search_index(current_app).suggest(text[:200], limit)
    return jsonify(query=text, suggestions=[asdict(s) for s in suggestions])


@blueprint.get("/openapi.json")
def api_openapi() -> Response:
    return jsonify(openapi_document(request.host_url.rstrip("/")))
