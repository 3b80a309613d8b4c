"""HTML pages for analysts: the search page and the document page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, make_response, render_template, request
from markupsafe import Markup

from indexer import IndexMissingError
from indexer.errors import PolicySearchError, SearchTimeoutError

from . import search_index
from .guard import http_status, refusal
from .i18n import LANGUAGES, pick_language, translator
from .params import search_request as request_from_args
from .params import selected_chips, toggle_url, url_with

blueprint = Blueprint("views", __name__)


def render_page(template: str, status: int = 200, **context) -> Response:
    language = pick_language(request)
    other = [code for code in LANGUAGES if code != language][0]
    response = make_response(
        render_template(
            template,
            t=translator(language),
            language=language,
            switch_url=url_with(request.path, request.args, hl=other),
            **context,
        ),
        status,
    )
    if request.args.get("hl") in LANGUAGES:
        response.set_cookie("hl", request.args["hl"], max_age=365 * 24 * 3600, samesite="Lax")
    return response


@blueprint.get("/")
def search_page() -> Response:
    args = request.args
    settings = current_app.config["SETTINGS"]
    try:
        search_request = request_from_args(args, settings.allow_raw_queries)
        result = search_index(current_app).search(search_request)
    except IndexMissingError:
        return render_page("message.html", status=503, message_key="no_index")
    except PolicySearchError as exc:
        message = (
            translator(pick_language(request))("search_timeout")
            if isinstance(exc, SearchTimeoutError)
            else str(exc)
        )
        return render_page(
            "search.html",
            status=http_status(exc),
            error=message,
            result=None,
            args=args,
            chips=selected_chips("/", args),
        )
    facet_urls = {
        (f.name, v.value): toggle_url("/", args, f.name, v.value)
        for f in result.facets
        for v in f.values
    }
    return render_page(
        "search.html",
        result=result,
        args=args,
        error=None,
        chips=selected_chips("/", args),
        facet_urls=facet_urls,
        page_url=lambda page: url_with("/", args, page=str(page)),
        sort_url=lambda sort: url_with("/", args, sort=sort),
        without_filters_url=url_with(
            "/",
            args,
            category=None,
            department=None,
            year=None,
            lang=None,
            **{"from": None, "to": None},
        ),
        mark=Markup,
    )


@blueprint.get("/doc", defaults={"doc_id": None})
@blueprint.get("/doc/<path:doc_id>")
def document_page(doc_id: str | None) -> Response:
    doc_id = request.args.get("id", "") if doc_id is None else doc_id
    try:
        index = search_index(current_app)
        document = index.document(doc_id)
    except IndexMissingError:
        return render_page("message.html", status=503, message_key="no_index")
    if document is None:
        abort(404)
    q = request.args.get("q", "")
    marked, notice_key = None, None
    if q:
        try:
            marked = index.highlighted_document(doc_id, q)
        except SearchTimeoutError:
            notice_key = "marks_timeout"  # the document itself still shows
    title_html, body_html = marked or (None, None)
    return render_page(
        "document.html",
        document=document,
        q=q,
        mark=Markup,
        title_html=title_html,
        body_html=body_html,
        notice_key=notice_key,
        similar=index.similar(doc_id),
        back_url=url_with("/", request.args),
    )


@blueprint.app_errorhandler(404)
def not_found(error) -> Response:
    return refusal(404, "Not found.", "not_found")
