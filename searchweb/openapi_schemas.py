"""The data schemas of the API's answers (the components of openapi.py's description):
hits, facets, notices and documents, their fields from the field registry."""

from __future__ import annotations

from typing import Any

from indexer.fields import DOCUMENT_FIELDS, FACET_FIELDS, HIT_FIELDS, field_named
from indexer.model.request import SORTS
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


def schemas() -> dict[str, Any]:
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
                "kind": {"enum": ["correction", "term", "phrase", "title", "initials", "popular"]},
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
