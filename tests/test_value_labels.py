"""Facet values speak the page's language: the categories and sources of the shipped
corpus and mappings, and the document kinds, have a label in Korean and in English
(indexer/resources/value_labels.toml); any other value shows as written."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from indexer.fields import field_named
from indexer.messages import LANGUAGES
from searchweb import create_app

from .conftest import policy_documents

HANGUL = re.compile("[가-힣]")
LABELLED = ("category", "source")


def written_in(text: str) -> str:
    return "ko" if HANGUL.search(text) else "en"


@pytest.mark.parametrize("name", LABELLED)
def test_every_shipped_value_has_a_label_in_the_other_language(name):
    values = set()
    for document in policy_documents():
        value = getattr(document, name)
        values.update(value if isinstance(value, (list, tuple)) else [value] if value else [])
    assert values
    spec = field_named(name)
    for value in sorted(values):
        for language in LANGUAGES:
            label = spec.value_label(value, language)
            if written_in(value) == language:
                assert label == value, (value, language)
            else:
                assert label != value and written_in(label) == language, (value, label)


def test_the_document_kinds_have_english_labels():
    spec = field_named("kind")
    for kind in ("보도자료", "입법예고", "공고", "제안요청서", "공문"):
        assert written_in(spec.value_label(kind, "en")) == "en"
        assert spec.value_label(kind, "ko") == kind


def test_a_value_without_a_label_shows_as_written():
    assert field_named("category").value_label("주차 정책", "en") == "주차 정책"


@pytest.fixture(scope="module")
def client(policy_index):
    return create_app({"SETTINGS": policy_index.settings, "TESTING": True}).test_client()


def test_the_korean_page_labels_an_english_category_in_korean(client):
    page = client.get("/?q=" + quote("Arisu tap water") + "&hl=ko").get_data(as_text=True)
    assert '<span class="facet-label">상수도</span>' in page
    assert '<span class="category">상수도</span>' in page
    assert "Water Supply</span>" not in page


def test_the_english_page_and_api_label_korean_categories_in_english(client):
    page = client.get("/?q=" + quote("노인 일자리") + "&hl=en").get_data(as_text=True)
    assert '<span class="facet-label">Social welfare</span>' in page
    data = client.get("/api/search?q=" + quote("노인 일자리") + "&hl=en").get_json()
    category = next(facet for facet in data["facets"] if facet["name"] == "category")
    labels = {value["value"]: value["label"] for value in category["values"]}
    assert labels["사회복지"] == "Social welfare"
    hit = next(h for h in data["hits"] if "사회복지" in (h.get("category") or []))
    separator = "&" if "?" in hit["doc_url"] else "?"
    document = client.get(hit["doc_url"] + separator + "hl=en").get_data(as_text=True)
    assert "Social welfare" in document
