"""The Whoosh schema of the field registry, and the fingerprint of its analysis."""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Mapping

from whoosh.fields import ID, KEYWORD, STORED, TEXT, FieldType, Schema

from indexer.analysis.morphemes import bigram_analyzer, load_user_terms, morpheme_analyzer
from indexer.config import Settings
from indexer.engines.whoosh.postingformat import AnalyzedCharacters
from indexer.fields import CONTENT_HASH, FIELDS, split_keywords
from indexer.reading.documents import Document

# Bump when fields or analysis change in a way that needs a full rebuild.
SCHEMA_VERSION = 3  # 2: origin_source and origin_file; 3: kind, date_source


def build_schema(settings: Settings) -> Schema:
    """The Whoosh schema of the field registry (indexer/fields.py)."""
    morphemes = morpheme_analyzer(
        tagger=settings.tagger, user_terms=load_user_terms(settings.user_dictionary or None)
    )
    bigrams = bigram_analyzer()
    fields: dict[str, FieldType] = {}
    for spec in FIELDS:
        if spec.kind == "text":
            # chars=True stores character offsets, so highlighting never re-runs the tagger.
            fields[spec.name] = _text_field(TEXT(analyzer=morphemes, stored=True, chars=True))
            fields[f"{spec.name}_bigram"] = _text_field(TEXT(analyzer=bigrams, chars=True))
        else:
            fields[spec.name] = _FIELD_TYPES[spec.kind]()
    return Schema(**fields)


def _text_field(field: TEXT) -> TEXT:
    """A text field whose postings skip Whoosh's Token per occurrence (postingformat.py)."""
    field.format = AnalyzedCharacters(field_boost=field.format.field_boost)
    return field


# The Whoosh type of each non-text kind. Dates and years are columns too (sorting);
# keywords are stored comma-joined.
_FIELD_TYPES: dict[str, Callable[[], FieldType]] = {
    "id": lambda: ID(stored=True, unique=True, sortable=True),
    "keyword": lambda: ID(stored=True),
    "keywords": lambda: KEYWORD(stored=True, commas=True, scorable=False, lowercase=False),
    "date": lambda: ID(stored=True, sortable=True),
    "year": lambda: ID(stored=True, sortable=True),
    "stored": STORED,
    "column": lambda: ID(stored=True, sortable=True),
}


def analysis_fingerprint(settings: Settings) -> str:
    """Changes whenever what the analyzers produce could change: the schema, the tagger
    or the user dictionary. An index is only updated by the analysis that built it."""
    terms = load_user_terms(settings.user_dictionary or None)
    payload = "\n".join((str(SCHEMA_VERSION), settings.tagger, *terms))
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


def analysis_record(settings: Settings) -> dict[str, object]:
    """What a write records of the analysis, for a later update to compare (both
    backends analyse with this schema's analyzers)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tagger": settings.tagger,
        "analysis": analysis_fingerprint(settings),
    }


def index_values(document: Document, content_hash: str = "") -> dict[str, object]:
    """A document's values as the schema stores them (text fields twice, for their
    bigram twins; keywords comma-joined); empty values are left out. ``content_hash``:
    the document's, when known (reading/packed.py keeps it)."""
    values: dict[str, object] = {}
    for spec in FIELDS:
        if spec.name == CONTENT_HASH:
            value: object = content_hash or document.content_hash()
        else:
            value = getattr(document, spec.name)
        if spec.many:
            value = ",".join(value)  # type: ignore[arg-type]
        elif spec.kind == "year":
            value = str(value) if value else ""
        values[spec.name] = value
        if spec.kind == "text":
            values[f"{spec.name}_bigram"] = value
    return {name: value for name, value in values.items() if value}


def document_values(stored: Mapping[str, Any]) -> dict[str, Any]:
    """Stored fields back as Document values (the inverse of index_values)."""
    values: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.name == CONTENT_HASH:
            continue
        value = stored.get(spec.name)
        if spec.many:
            values[spec.name] = split_keywords(value)
        elif spec.kind == "year":
            values[spec.name] = int(value) if value else None
        else:
            values[spec.name] = value or ""
    return values
