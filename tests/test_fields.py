"""The field registry is the one list of document fields: everything else agrees with it."""

from dataclasses import fields as dataclass_fields

from indexer.config import Settings
from indexer.engines.whoosh.schema import build_schema, document_values, index_values
from indexer.fields import CONTENT_HASH, FACET_FIELDS, FIELDS, FILTER_FIELDS
from indexer.reading.documents import Document
from indexer.reading.mapping import DEFAULT_ALIASES, DOCUMENT_FIELDS

from .conftest import full_document


def test_every_document_attribute_is_a_registered_field_and_back():
    attributes = [f.name for f in dataclass_fields(Document)]
    registered = [f.name for f in FIELDS if f.name != CONTENT_HASH]
    assert attributes == registered


def test_the_schema_holds_every_field_and_a_bigram_twin_for_each_text_field():
    schema = build_schema(Settings())
    expected = {f.name for f in FIELDS} | {f"{f.name}_bigram" for f in FIELDS if f.kind == "text"}
    assert set(schema.names()) == expected


def test_facets_are_filterable_and_labelled_in_both_languages():
    by_name = {f.name: f for f in FIELDS}
    for name in FACET_FIELDS:
        assert name in FILTER_FIELDS
        assert by_name[name].label("ko") != by_name[name].label("en")


def test_the_default_mapping_reads_every_corpus_field_it_has_aliases_for():
    assert set(DEFAULT_ALIASES) <= set(DOCUMENT_FIELDS)
    assert {"id", "title", "body", "department"} <= set(DEFAULT_ALIASES)


def test_stored_values_give_back_the_document_that_was_indexed():
    document = full_document()
    schema = build_schema(Settings())
    indexed = index_values(document)
    stored = {name: value for name, value in indexed.items() if schema[name].stored}
    assert indexed["category"] == "주거,청년"
    assert indexed["title_bigram"] == document.title
    assert Document(**document_values(stored)) == document
