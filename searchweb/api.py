"""The JSON API: search, documents, suggestions, its OpenAPI description, and CORS for reads.

Messages (errors, notices) and labels come in the language of ``?hl=`` (else the
Accept-Language header): each with its code, so a client may use its own words."""

from __future__ import annotations

from dataclasses import asdict
from typing import Callable, Iterator
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from werkzeug.exceptions import HTTPException

from indexer import QueryError, Settings
from indexer.messages import has_message
from indexer.model import export
from indexer.model.request import MAX_FACET_SIZE, bounded, whole_number
from indexer.search.suggest import with_past_searches

from . import record_search, search_index
from .export_slots import RETRY_AFTER_S, ExportSlots
from .guard import refusal
from .i18n import localize_facets, pick_language
from .links import public_base_url
from .openapi import openapi_document
from .params import FilterToggles, search_request

blueprint = Blueprint("api", __name__, url_prefix="/api")
MAX_SUGGESTIONS = 20
MAX_SUGGEST_CHARS = 200


@blueprint.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    """Every HTTP error under /api/ is JSON, with the headers it needs (Allow on 405).
    Routing errors happen before a blueprint is chosen, hence an app-wide handler."""
    if not request.path.startswith("/api/"):
        return exc
    status = exc.code or 500
    code = f"http_{status}"
    # The tables' message in the user's language; Werkzeug's English for a status they lack.
    message = None if has_message(code) else exc.description or ""
    response = refusal(status, code, message=message)
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
        # Not safelisted: without this a widget on another origin cannot read them (it
        # waits Retry-After after a 429; an export says how many matched).
        response.headers["Access-Control-Expose-Headers"] = (
            "Retry-After, X-Total-Count, X-Exported-Count"
        )
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
    search = search_request(args, settings.allow_raw_queries, strict=True)
    result = search_index(current_app).search(search)
    record_search(current_app, search, result)
    language = pick_language(request)
    data = result.to_dict(language)
    localize_facets(data["facets"], language)
    toggles = FilterToggles("/api/search", args)
    for facet in data["facets"]:
        for value in facet["values"]:
            value["toggle_url"] = toggles.url(facet["name"], value["value"])
    return jsonify(data)


@blueprint.get("/facet/<name>")
def api_facet(name: str) -> Response:
    """Every value of one facet for a search (the search's parameters), or those holding
    ``contains``; ``limit`` caps them."""
    args = request.args
    settings = current_app.config["SETTINGS"]
    facet = search_index(current_app).facet(
        search_request(args, settings.allow_raw_queries, strict=True),
        name,
        args.get("contains", ""),
        # Absent: every value; given: 1 to MAX_FACET_SIZE, as the description says.
        bounded("limit", args["limit"], 1, MAX_FACET_SIZE) if "limit" in args else 0,
    )
    data = facet.to_dict()
    localize_facets([data], pick_language(request))
    toggles = FilterToggles("/api/search", args)
    for value in data["values"]:  # type: ignore[attr-defined]
        value["toggle_url"] = toggles.url(name, value["value"])
    return jsonify(data)


@blueprint.get("/export.<export_format>")
def api_export(export_format: str) -> Response:
    """Every match of a search (up to setting export_max_rows, best first) as a CSV file
    for Excel or JSON Lines, streamed; X-Total-Count says how many matched."""
    if export_format not in export.FORMATS:
        return refusal(404, "not_found")
    settings = current_app.config["SETTINGS"]
    tier = request.args.get("tier", "matches")
    if tier not in export.EXPORTED_TIERS:
        raise QueryError(code="unknown_tier", value=tier, choices=", ".join(export.EXPORTED_TIERS))
    slots: ExportSlots = current_app.extensions["policysearch_export_slots"]
    slot = slots.take()
    if slot is None:
        busy = {"concurrency": slots.count, "retry_after_s": RETRY_AFTER_S}
        return refusal(503, "exports_busy", busy, RETRY_AFTER_S)
    try:
        response = _export_response(export_format, tier, settings, slot.release)
    except BaseException:
        slot.release()
        raise
    response.call_on_close(slot.release)  # a client gone before the end
    return response


def _export_response(
    export_format: str, tier: str, settings: Settings, written: Callable[[], None]
) -> Response:
    """The export's answer; ``written`` is called once its last line is."""
    result = search_index(current_app).export(
        search_request(request.args, settings.allow_raw_queries, strict=True)
    )
    base_url = public_base_url(settings)
    rows = export.rows(result.hits, tier, base_url, pick_language(request))
    response = Response(
        stream_with_context(_then(export.lines(export_format, rows), written)),
        content_type=export.MEDIA_TYPES[export_format],
    )
    name = export.file_name(request.args.get("q", ""), export_format)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response.headers["X-Total-Count"] = str(result.total)
    response.headers["X-Related-Count"] = str(result.related_total)
    response.headers["X-Exported-Count"] = str(len(export.exported(result.hits, tier)))
    return response


def _then(lines: Iterator[str], written: Callable[[], None]) -> Iterator[str]:
    try:
        yield from lines
    finally:
        written()


@blueprint.get("/doc", defaults={"doc_id": None})
@blueprint.get("/doc/<path:doc_id>")
def api_document(doc_id: str | None) -> Response:
    doc_id = request.args.get("id", "") if doc_id is None else doc_id
    document = search_index(current_app).document(doc_id)
    if document is None:
        return refusal(404, "no_document", {"id": doc_id})
    return jsonify(document.to_dict())


@blueprint.get("/suggest")
def api_suggest() -> Response:
    text = request.args.get("q", "")
    limit = min(max(whole_number("limit", request.args.get("limit", 8)), 1), MAX_SUGGESTIONS)
    text = text[:MAX_SUGGEST_CHARS]
    suggestions = search_index(current_app).suggest(text, limit)
    past = current_app.extensions.get("policysearch_past_searches")
    if past is not None:
        suggestions = with_past_searches(suggestions, past.completing(text, limit), limit)
    return jsonify(query=text, suggestions=[asdict(s) for s in suggestions])


@blueprint.get("/openapi.json")
def api_openapi() -> Response:
    settings = current_app.config["SETTINGS"]
    return jsonify(openapi_document(public_base_url(settings) or "/", settings))
