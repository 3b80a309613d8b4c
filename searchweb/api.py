"""The JSON API: search, documents, suggestions, its OpenAPI description, and CORS for reads."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from indexer.errors import PolicySearchError, SearchTimeoutError

from . import search_index
from .guard import TIMEOUT_RETRY_AFTER_S, http_status
from .links import document_path, public_base_url
from .openapi import openapi_document
from .params import search_request, toggle_url

blueprint = Blueprint("api", __name__, url_prefix="/api")
MAX_SUGGESTIONS = 20


def error(status: int, message: str) -> Response:
    response = jsonify(error=message, status=status)
    response.status_code = status
    return response


@blueprint.errorhandler(PolicySearchError)
def core_error(exc: PolicySearchError) -> Response:
    status = http_status(exc)
    response = error(status, str(exc))
    if isinstance(exc, SearchTimeoutError):
        response.headers["Retry-After"] = str(TIMEOUT_RETRY_AFTER_S)
    return response


@blueprint.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Every HTTP error under /api/ is JSON, with the headers it needs (Allow on 405).
    Routing errors happen before a blueprint is chosen, hence an app-wide handler."""
    if not request.path.startswith("/api/"):
        return exc
    response = error(exc.code or 500, exc.description or "")
    for name in ("Allow", "Retry-After"):
        value = exc.get_response().headers.get(name)
        if value:
            response.headers[name] = value
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
    settings = current_app.config["SETTINGS"]
    result = search_index(current_app).search(
        search_request(args, settings.allow_raw_queries, strict=True)
    )
    data = result.to_dict()
    data["hits"] = [
        {
            "id": hit["id"],
            "title": hit["title"],
            "title_html": hit["title_html"],
            "url": hit["url"],
            "doc_url": document_path(hit["id"]),
            "snippet": hit["snippet_html"],
            "category": hit["category"],
            "department": hit["department"],
            "date": hit["date"],
            "year": hit["year"],
            "lang": hit["lang"],
            "score": hit["score"],
        }
        for hit in data["hits"]
    ]
    for facet in data["facets"]:
        for value in facet["values"]:
            value["toggle_url"] = toggle_url("/api/search", args, facet["name"], value["value"])
    return jsonify(data)


@blueprint.get("/doc", defaults={"doc_id": None})
@blueprint.get("/doc/<path:doc_id>")
def api_document(doc_id: str | None) -> Response:
    doc_id = request.args.get("id", "") if doc_id is None else doc_id
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
    return jsonify(
        openapi_document(
            public_base_url(current_app.config["SETTINGS"]) or "/", current_app.config["SETTINGS"]
        )
    )
