"""What other sites embed: /embed.js (a shadow-DOM search box), /embed (an iframe page),
and /opensearch.xml (so browsers can add the search)."""

from __future__ import annotations

import functools
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from flask import Blueprint, Response, current_app, render_template, request

from indexer import SearchRequest
from indexer.errors import QueryError, SearchTimeoutError

from . import record_search, search_index
from .i18n import pick_language, translator
from .links import public_base_url

blueprint = Blueprint("embed", __name__)
EMBED_RESULTS = 8


# One script for the host page: the autocomplete the search page uses too, and the box,
# in one function scope so that neither leaks a name into the host page.
EMBED_PARTS = ("combobox.js", "embed.js")


@functools.cache
def _embed_script(static_folder: str) -> bytes:
    parts = [(Path(static_folder) / name).read_text("utf-8") for name in EMBED_PARTS]
    return ("(function () {\n" + "\n".join(parts) + "\n})();\n").encode()


@blueprint.get("/embed.js")
def script() -> Response:
    response = Response(
        _embed_script(current_app.static_folder or "static"), mimetype="text/javascript"
    )
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.add_etag()
    # Pages on any origin load this script; let them do so with crossorigin="anonymous" too.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.make_conditional(request)
    return response


@blueprint.get("/embed")
def frame() -> Response:
    q = request.args.get("q", "")
    result, error = None, None
    if q:
        try:
            search = SearchRequest(q=q, size=EMBED_RESULTS, facets=False)
            result = search_index(current_app).search(search)
            record_search(current_app, search, result)
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
