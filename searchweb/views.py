"""HTML pages for analysts: the search page and the document page."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timezone
from typing import Mapping

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup

from indexer.errors import QueryError, SearchTimeoutError
from indexer.fields import DOCUMENT_FIELDS, FACET_FIELDS, FILTER_FIELDS
from indexer.model.request import SORTS
from indexer.model.snippets import Snippet

from . import record_search, search_index
from .cite import citation
from .feed import ENTRIES, atom_feed
from .feed import MEDIA_TYPE as FEED_MEDIA_TYPE
from .guard import refusal
from .i18n import LANGUAGES, Translator, pick_language, translator
from .links import document_path, public_base_url
from .paging import page_numbers
from .params import (
    address,
    kept_params,
    search_context,
    selected_chips,
    url_with,
    without_filters,
)
from .params import search_request as request_from_args

blueprint = Blueprint("views", __name__)
# Shown in the document page's details, in this order (title and body are the page).
DETAIL_FIELDS = tuple(name for name in DOCUMENT_FIELDS if name not in ("title", "body", "id"))


def render_page(template: str, status: int = 200, **context) -> Response:
    language = pick_language(request)
    other = [code for code in LANGUAGES if code != language][0]
    response = make_response(
        render_template(
            template,
            t=translator(language),
            language=language,
            filter_fields=FILTER_FIELDS,
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
        record_search(current_app, search_request, result)
    except (QueryError, SearchTimeoutError) as exc:
        # Shown above the search box, which keeps the query to mend.
        return render_page(
            "search.html",
            status=exc.http_status,
            error=exc.message(pick_language(request)),
            result=None,
            args=args,
            chips=selected_chips("/", args),
        )
    expanded = args.get("more", "")
    facets = result.facets
    if expanded in FACET_FIELDS:
        # Every value of one facet, those holding ``contains`` when the filter box is used.
        whole = search_index(current_app).facet(search_request, expanded, args.get("contains", ""))
        facets = [whole if facet.name == expanded else facet for facet in facets]
    context = search_context(args)
    past = current_app.extensions.get("policysearch_past_searches")
    return render_page(
        "search.html",
        result=result,
        related_searches=past.related_to(args.get("q", "")) if past is not None else [],
        related_search_url=lambda q: address("/", [("q", q)]),
        args=args,
        error=None,
        chips=selected_chips("/", args),
        facets=facets,
        expanded=expanded,
        more_url=lambda name: url_with("/", args, more=name, contains=None),
        fewer_url=url_with("/", args, more=None, contains=None),
        page_url=lambda page: url_with("/", args, page=str(page)),
        page_numbers=page_numbers(result.page, result.pages, settings.max_page),
        sorts=SORTS,
        export_url=lambda export_format, tier=None: url_with(
            f"/api/export.{export_format}", args, tier=tier
        ),
        translations_url=url_with("/", args, translations="both"),
        export_rows=settings.export_max_rows,
        feed_url=url_with(url_for("views.feed"), args),
        subscribe_url=url_with(url_for("views.subscribe"), args),
        hit_url=lambda doc_id: document_path(doc_id, args.get("q", ""), context),
        sort_url=lambda sort: url_with("/", args, sort=sort),
        without_filters_url=without_filters("/", args),
        original_url=url_with("/", args, spell="0"),
        suggestion_url=lambda q: url_with("/", args, q=q),
        mark=Markup,
    )


@blueprint.get("/doc", defaults={"doc_id": None})
@blueprint.get("/doc/<path:doc_id>")
def document_page(doc_id: str | None) -> Response:
    doc_id = request.args.get("id", "") if doc_id is None else doc_id
    index = search_index(current_app)
    document = index.document(doc_id)
    if document is None:
        abort(404)
    q = request.args.get("q", "")
    marked, notice_key = None, None
    if q:
        try:
            marked = index.highlighted_document(doc_id, q)
        except SearchTimeoutError:
            notice_key = "marks_timeout"  # the document itself still shows
    settings = current_app.config["SETTINGS"]
    title_html = marked[0].to_html() if marked else None
    # A body is shown up to a budget of characters and marks: a million characters
    # with 100,000 marks made a page of megabytes that took seconds.
    body = marked[1] if marked else Snippet(document.body)
    shown = body.cut(settings.document_page_chars, settings.document_page_marks)
    context = search_context(request.args)
    # The page's own address without the search: what a colleague should be sent.
    page_url = public_base_url(settings) + document_path(doc_id)
    return render_page(
        "document.html",
        page_url=page_url,
        citation=citation(document, pick_language(request), page_url, date.today()),
        document=document,
        detail_fields=DETAIL_FIELDS,
        q=q,
        mark=Markup,
        title_html=title_html,
        body_html=shown.to_html(),
        body_cut=len(shown.text) < len(body.text),
        marks_cut=len(shown.spans) < len([s for s in body.spans if s[1] <= len(shown.text)]),
        page_chars=settings.document_page_chars,
        page_marks=settings.document_page_marks,
        text_url=address(url_for("views.document_text"), [("id", doc_id)]),
        notice_key=notice_key,
        similar=index.similar(doc_id),
        back_url=address(url_for("views.search_page"), context),
        # Similar documents keep the search too: "back" from them returns to it.
        other_url=lambda other_id: document_path(other_id, q, context),
        args=request.args,
    )


@blueprint.get("/text")
def document_text() -> Response:
    """A document's whole title and body as plain text (the page shows a long body up
    to setting document_page_chars)."""
    document = search_index(current_app).document(request.args.get("id", ""))
    if document is None:
        abort(404)
    return Response(
        f"{document.title}\n\n{document.body}\n", content_type="text/plain; charset=utf-8"
    )


@blueprint.get("/subscribe")
def subscribe() -> Response:
    """How to follow a search in a feed reader: the feed's address to copy (the feed
    itself is XML, which a browser shows raw)."""
    args = request.args
    t = translator(pick_language(request))
    base = public_base_url(current_app.config["SETTINGS"])
    return render_page(
        "subscribe.html",
        feed_title=_feed_title(t, args),
        feed_url=base + url_with(url_for("views.feed"), args),
        search_url=url_with("/", args),
        args=args,
    )


def _feed_title(t: Translator, args: Mapping[str, str]) -> str:
    return t("feed_title", q=args.get("q", "")) if args.get("q") else t("feed_title_all")


@blueprint.get("/feed.atom")
def feed() -> Response:
    """The newest documents of a search as an Atom feed (searchweb/feed.py)."""
    args = request.args
    settings = current_app.config["SETTINGS"]
    search = dataclasses.replace(
        request_from_args(args, settings.allow_raw_queries),
        sort="newest",
        page=1,
        size=min(ENTRIES, settings.max_page_size),
        facets=False,
    )
    index = search_index(current_app)
    result = index.search(search)
    t = translator(pick_language(request))
    title = _feed_title(t, args)
    # The feed is the same feed whatever its sort, language or page size.
    what = [
        (name, value) for name, value in kept_params(args) if name not in ("sort", "hl", "size")
    ]
    body = atom_feed(
        result,
        title,
        what,
        url_with(url_for("views.feed"), args),
        url_with(url_for("views.search_page"), args, sort="newest"),
        public_base_url(settings),
        _parsed_time(index.updated_at()),
    )
    return Response(body, mimetype=FEED_MEDIA_TYPE)


def _parsed_time(iso: str) -> datetime:
    try:
        return datetime.fromisoformat(iso)
    except ValueError:  # an index written before updated_at was recorded
        return datetime.now(timezone.utc).replace(microsecond=0)


@blueprint.app_errorhandler(404)
def not_found(error) -> Response:
    return refusal(404, "not_found")
