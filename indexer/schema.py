"""The index schema: one place that decides fields, analyzers and facets."""

from __future__ import annotations

import hashlib

from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema

from .analysis import bigram_analyzer, load_user_terms, morpheme_analyzer
from .config import Settings

# Bump when fields or analysis change in a way that needs a full rebuild.
SCHEMA_VERSION = 2  # 2: origin_source and origin_file

# Facet fields, in the order they are shown, with their display labels.
FACET_FIELDS: dict[str, str] = {
    "category": "Category",
    "department": "Department",
    "year": "Year",
    "lang": "Language",
}
# Field names a user may write in a query as `field:value`.
TEXT_QUERY_FIELDS = ("title", "body")
BIGRAM_FIELDS = tuple(f"{name}_bigram" for name in TEXT_QUERY_FIELDS)
FILTER_QUERY_FIELDS = ("category", "department", "year", "lang", "tags", "source", "id")


def build_schema(settings: Settings) -> Schema:
    morphemes = morpheme_analyzer(
        tagger=settings.tagger, user_terms=load_user_terms(settings.user_dictionary or None)
    )
    bigrams = bigram_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        # Columns, so reindex compares hashes without loading stored bodies.
        content_hash=ID(stored=True, sortable=True),
        # chars=True stores character offsets, so highlighting never re-runs the tagger.
        title=TEXT(analyzer=morphemes, stored=True, chars=True, field_boost=1.0),
        body=TEXT(analyzer=morphemes, stored=True, chars=True),
        title_bigram=TEXT(analyzer=bigrams, chars=True),
        body_bigram=TEXT(analyzer=bigrams, chars=True),
        category=KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
        department=ID(stored=True),
        source=ID(stored=True),
        date=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        lang=ID(stored=True),
        tags=KEYWORD(stored=True, commas=True, lowercase=False),
        url=STORED(),
        author=STORED(),
        # Where each document came from, as columns, so reindex scopes its deletions
        # to the sources it read without loading stored documents.
        origin_source=ID(stored=True, sortable=True),
        origin_file=ID(stored=True, sortable=True),
    )


def split_keywords(value: object) -> list[str]:
    """A stored comma-joined KEYWORD field (category, tags) as its list of values."""
    if not value:
        return []
    return [part for part in str(value).split(",") if part]


def analysis_fingerprint(settings: Settings) -> str:
    """Changes whenever what the analyzers produce could change: the schema, the tagger
    or the user dictionary. An index is only updated by the analysis that built it."""
    terms = load_user_terms(settings.user_dictionary or None)
    payload = "\n".join((str(SCHEMA_VERSION), settings.tagger, *terms))
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]
