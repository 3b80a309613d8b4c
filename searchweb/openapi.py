"""The OpenAPI 3.1 description of the JSON API (tests check real responses against it)."""

from __future__ import annotations

from typing import Any

from indexer import Settings
from indexer.fields import FACET_FIELDS, FILTER_FIELDS
from indexer.messages import LANGUAGES
from indexer.model import export
from indexer.model.request import (
    DATE_PATTERN,
    MAX_FACET_SIZE,
    SORT_ALIASES,
    SORTS,
    TRANSLATION_ALIASES,
    TRANSLATIONS,
)

from .openapi_schemas import NON_EMPTY, STRING, schemas


def _param(
    name: str, description: str, schema: dict[str, Any] | None = None, multi: bool = False
) -> dict[str, Any]:
    schema = schema or STRING
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": schema} if multi else schema,
        **({"explode": True} if multi else {}),
    }


def _responses(ok_schema: str, *errors: int) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK",
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{ok_schema}"}}
            },
        }
    }
    for status in errors:
        responses[str(status)] = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return responses


def _raw_param(settings: Settings) -> dict[str, Any]:
    """raw as this server answers it: 1 is refused (400 raw_off) unless allowed."""
    if settings.allow_raw_queries:
        return _param(
            "raw",
            "1: Whoosh query syntax (wildcards, NOT), at most raw_queries_per_minute a "
            "minute per client (setting allow_raw_queries is on here).",
            {"enum": ["0", "1", "true", "false"]},
        )
    return _param(
        "raw",
        "Whoosh query syntax is off on this server (setting allow_raw_queries): raw=1 is "
        'refused with 400 raw_off; words, "phrases", -exclusions and field:value work.',
        {"enum": ["0", "false"]},
    )


def openapi_document(server_url: str, settings: Settings) -> dict[str, Any]:
    """The description, with the limits of this server's settings (checked against the
    app by schemathesis in tests/test_api_schema.py)."""
    date = {"type": "string", "pattern": DATE_PATTERN}
    what_is_searched = [
        _param(
            "q",
            'Words, "phrases", -exclusions, title:word, category:"value". '
            f"Cut to {settings.max_query_chars} characters (with a notice).",
        ),
        *(
            _param(name, "Filter; any of several values; not empty.", NON_EMPTY, multi=True)
            for name in FILTER_FIELDS
        ),
        _param("from", "Dated on or after: 2022, 2022-11 or 2022-11-17.", date),
        _param("to", "Dated on or before.", date),
        _param(
            "sort",
            "relevance (default), newest or oldest; by date, equal dates "
            "by relevance, the matches before the related results. date is the former "
            "name of newest.",
            {"enum": [*SORTS, *SORT_ALIASES]},
        ),
        _param(
            "translations",
            "Which words the glossary translates for related results: en-ko (default: "
            "English words into Korean), both (Korean words into English too; ko-en is "
            "another name), off.",
            {"enum": [*TRANSLATIONS, *TRANSLATION_ALIASES]},
        ),
        _param(
            "semantic",
            "Similar meaning (default on, when the server's setting semantic is): the "
            "nearest documents by meaning, in any language, reorder the results and those "
            "found by meaning alone follow as related results (reason similar_meaning). "
            "0 or false: keywords only.",
            {"enum": ["0", "1", "true", "false"]},
        ),
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "policysearch API",
            "version": "1",
            "description": "Search city policy documents in Korean and English. Read-only.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "Ranked, highlighted results with facet counts",
                    "parameters": [
                        *what_is_searched,
                        HL_PARAM,
                        _param(
                            "page",
                            "1-based page.",
                            {"type": "integer", "minimum": 1, "maximum": settings.max_page},
                        ),
                        _param(
                            "size",
                            "Results per page.",
                            {"type": "integer", "minimum": 1, "maximum": settings.max_page_size},
                        ),
                        _param(
                            "facet_size",
                            "Values per facet.",
                            {"type": "integer", "minimum": 1, "maximum": MAX_FACET_SIZE},
                        ),
                        _raw_param(settings),
                        _param(
                            "spell",
                            "0: no corrections of typos and keyboard slips (default 1).",
                            {"enum": ["0", "1", "true", "false"]},
                        ),
                    ],
                    "responses": _responses("SearchResponse", 400, 429, 503),
                }
            },
            "/api/facet/{name}": {
                "get": {
                    "summary": "Every value of one facet for a search, or those holding a text",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"enum": list(FACET_FIELDS)},
                        },
                        *what_is_searched,
                        _param("contains", "Only values whose value or label holds this."),
                        _param(
                            "limit",
                            "At most this many values.",
                            {"type": "integer", "minimum": 1, "maximum": MAX_FACET_SIZE},
                        ),
                        HL_PARAM,
                    ],
                    "responses": _responses("Facet", 400, 429, 503),
                }
            },
            "/api/export.{export_format}": {
                "get": {
                    "summary": "Every match of a search, best first, as a file: CSV (UTF-8 "
                    f"with a byte order mark, for Excel) or JSON Lines; at most "
                    f"{settings.export_max_rows} rows, X-Total-Count says how many matched "
                    "and X-Related-Count how many related results there are; each row has "
                    f"its tier and reason. At most {settings.export_concurrency} export(s) "
                    "at once on this server: another is answered 503 exports_busy with "
                    "Retry-After",
                    "parameters": [
                        {
                            "name": "export_format",
                            "in": "path",
                            "required": True,
                            "schema": {"enum": list(export.FORMATS)},
                        },
                        *what_is_searched,
                        _param(
                            "tier",
                            "matches (default): the matches only; all: the related results "
                            "after them too.",
                            {"enum": list(export.EXPORTED_TIERS)},
                        ),
                        HL_PARAM,
                    ],
                    "responses": {
                        "200": {
                            "description": "The rows, streamed",
                            "content": {
                                media_type.split(";")[0]: {"schema": STRING}
                                for media_type in export.MEDIA_TYPES.values()
                            },
                        },
                        **{
                            key: value
                            for key, value in _responses("Facet", 400, 404, 429, 503).items()
                            if key != "200"
                        },
                    },
                }
            },
            "/api/doc": {
                "get": {
                    "summary": "One document, by an id given as a parameter (any id)",
                    "parameters": [
                        {"name": "id", "in": "query", "required": True, "schema": STRING},
                        HL_PARAM,
                    ],
                    "responses": _responses("Document", 404, 429, 503),
                }
            },
            "/api/doc/{id}": {
                "get": {
                    "summary": "One document",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": STRING},
                        HL_PARAM,
                    ],
                    "responses": _responses("Document", 404, 429, 503),
                }
            },
            "/api/suggest": {
                "get": {
                    "summary": "Completions of the last word from indexed terms and titles",
                    "parameters": [
                        _param("q", "Text typed so far."),
                        _param("limit", "At most this many.", {"type": "integer"}),
                        HL_PARAM,
                    ],
                    "responses": _responses("Suggestions", 400, 429, 503),
                }
            },
        },
        "components": {"schemas": schemas()},
    }


HL_PARAM = _param(
    "hl",
    f"Language of messages and labels: {' or '.join(LANGUAGES)}. Any other value (or none) "
    "falls back to Accept-Language, then English.",
)
