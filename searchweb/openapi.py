"""The OpenAPI 3.1 description of the JSON API (tests check real responses against it)."""

from __future__ import annotations

from typing import Any

from indexer import Settings
from indexer.fields import DOCUMENT_FIELDS, FACET_FIELDS, FILTER_FIELDS, HIT_FIELDS, field_named
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
from indexer.model.results import REASONS, TIERS

STRING = {"type": "string"}
NON_EMPTY = {"type": "string", "minLength": 1}
STRINGS = {"type": "array", "items": STRING}
SPANS = {
    "type": "array",
    "description": "Matches as [start, end) offsets into the text, in Unicode code points.",
    "items": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2},
}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
    }


def _field_schema(name: str) -> dict[str, Any]:
    return STRINGS if field_named(name).many else STRING


def _schemas() -> dict[str, Any]:
    """The response schemas; field lists come from the field registry."""
    hit_fields = {name: _field_schema(name) for name in HIT_FIELDS if name != "id"}
    return {
        "Error": _object(
            {
                "error": {"type": "string", "description": "The message, in the language asked."},
                "code": STRING,
                "params": {"type": "object"},
                "status": {"type": "integer"},
            }
        ),
        "Notice": _object({"code": STRING, "params": {"type": "object"}, "message": STRING}),
        "Reason": _object(
            {
                "code": {"enum": list(REASONS)},
                "params": {
                    "type": "object",
                    "description": "synonym: word, synonym; some_words: held, words; "
                    "translated: word, translation; corrected: original, corrected; "
                    "all_words, similar_spelling and similar_meaning: none.",
                },
                "message": {"type": "string", "description": "A short label."},
            }
        ),
        "FacetValue": _object(
            {
                "value": STRING,
                "label": STRING,
                "count": {"type": "integer", "minimum": 0},
                "selected": {"type": "boolean"},
                "toggle_url": STRING,
            }
        ),
        "Facet": _object(
            {
                "name": {"enum": list(FACET_FIELDS)},
                "label": STRING,
                "values": {"type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}},
                "truncated": {"type": "boolean"},
                "value_count": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Values with matching documents, shown or not.",
                },
            }
        ),
        "Hit": _object(
            {
                "id": STRING,
                "doc_url": {"type": "string", "description": "This document's page on the server."},
                "title": STRING,
                "title_html": {"type": "string", "description": "Escaped, matches in <mark>."},
                "title_spans": SPANS,
                "snippet": {"type": "string", "description": "Plain text around the matches."},
                "snippet_html": {"type": "string", "description": "Escaped, matches in <mark>."},
                "snippet_spans": SPANS,
                "score": {"type": ["number", "null"], "description": "null when sorted by date."},
                "tier": {
                    "enum": list(TIERS),
                    "description": "match: holds every word typed (a question's content "
                    "words), as typed or through variants, compound parts or synonyms; "
                    "related: found helpful otherwise, after the matches.",
                },
                "reasons": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Reason"},
                    "description": "Why it was found.",
                },
                **hit_fields,
            }
        ),
        "SearchResponse": _object(
            {
                "query": STRING,
                "total": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "The matches; the facets count them too.",
                },
                "related_total": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Related results, shown after the matches.",
                },
                "page": {"type": "integer", "minimum": 1},
                "size": {"type": "integer", "minimum": 1},
                "pages": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Pages of the matches and then the related results.",
                },
                "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "facets": {"type": "array", "items": {"$ref": "#/components/schemas/Facet"}},
                "took_ms": {"type": "number"},
                "cached": {
                    "type": "boolean",
                    "description": "Answered from the server's result cache: took_ms is "
                    "the lookup, not a search.",
                },
                "sort": {"enum": list(SORTS)},
                "relaxed": {
                    "type": "boolean",
                    "description": "Related results follow the matches (related_total > 0).",
                },
                "notices": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
                "searched": {
                    "type": "string",
                    "description": "Nothing matched the words typed: this correction was "
                    "searched, its results shown as related (empty otherwise).",
                },
                "suggestion": {
                    "type": "string",
                    "description": "A correction of words no document holds (did you mean).",
                },
            }
        ),
        "Document": _object(
            {
                **{name: _field_schema(name) for name in DOCUMENT_FIELDS},
                "doc_url": STRING,
            }
        ),
        "Suggestion": _object(
            {
                "text": STRING,
                "kind": {"enum": ["correction", "term", "title", "initials"]},
                "count": {"type": "integer"},
                "id": STRING,
            }
        ),
        "Suggestions": _object(
            {
                "query": STRING,
                "suggestions": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/Suggestion"},
                },
            }
        ),
    }


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
        "components": {"schemas": _schemas()},
    }


HL_PARAM = _param(
    "hl",
    f"Language of messages and labels: {' or '.join(LANGUAGES)}. Any other value (or none) "
    "falls back to Accept-Language, then English.",
)
