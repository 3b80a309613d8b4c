"""What other sites embed: /embed.js (a shadow-DOM search box), /embed (an iframe page),
and /opensearch.xml (so browsers can add the search)."""

from __future__ import annotations

from xml.sax.saxutils import escape as xml_escape

from flask import Blueprint, Response, current_app, render_template, request, send_from_directory

from indexer import SearchRequest
from indexer.errors import QueryError, SearchTimeoutError

from . import search_index
from .i18n import pick_language, translator
from .links import public_base_url

blueprint = Blueprint("embed", __name__)
EMBED_RESULTS = 8


@blueprint.get("/embed.js")
def script() -> Response:
    response = send_from_directory(
        current_app.static_folder or "static", "embed.js", mimetype="text/javascript", max_age=3600
    )
    # Pages on any origin load this script; let them do so with crossorigin="anonymous" too.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get("/embed")
def frame() -> Response:
    q = request.args.get("q", "")
    result, error = None, None
    if q:
        try:
            result = search_index(current_app).search(
                SearchRequest(q=q, size=EMBED_RESULTS, facets=False)
            )
        except (QueryError, SearchTimeoutError) as exc:
            error = exc.message(pick_language(request))
    language = pick_language(request)
    from markupsafe import Markup

    return Response(
        render_template(
            "embed.html",
            q=q,
            result=result,
            error=error,
            mark=Markup,
            t=translator(language),
            language=language,
        ),
        mimetype="text/html",
    )


@blueprint.get("/opensearch.xml")
def opensearch() -> Response:
    base = xml_escape(public_base_url(current_app.config["SETTINGS"]))
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">
  <ShortName>policysearch</ShortName>
  <Description>Search city policy documents in Korean and English</Description>
  <InputEncoding>UTF-8</InputEncoding>
  <Url type="text/html" method="get" template="{base}/?q={{searchTerms}}"/>
  <Url type="application/json" method="get" template="{base}/api/search?q={{searchTerms}}"/>
</OpenSearchDescription>
"""
    return Response(body, mimetype="application/opensearchdescription+xml")
