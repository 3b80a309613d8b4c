"""The field registry: every document field, decided once.

The schema, the readers' default mapping, the writer, search (facets, filters, hits),
the API and its OpenAPI description, the CLI and the pages derive their field lists
from FIELDS. A new field is one entry here plus its attribute on ``Document`` (the typed
record every reader produces); tests/test_fields.py fails when the two disagree.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Literal, Mapping

# text: analysed (morphemes, with a Hangul-bigram twin); keyword: one exact value;
# keywords: several exact values; date: yyyy-mm-dd; year: yyyy; stored: kept, not indexed;
# column: a sortable internal value (never from a corpus, never shown).
FieldKind = Literal["id", "text", "keyword", "keywords", "date", "year", "stored", "column"]


@dataclass(frozen=True)
class Field:
    name: str
    kind: FieldKind
    labels: Mapping[str, str] = field(default_factory=dict)  # interface language -> label
    facet: bool = False  # counted and shown as a facet, in this order
    filterable: bool = False  # a filter parameter (?name=value, --name value)
    in_query: bool = False  # a user may write name:value in a query
    shown: bool = True  # shown on the document page
    with_hits: bool = True  # returned with each hit (when shown)
    joined: bool = False  # several source fields join into one value (else the first wins)
    aliases: tuple[str, ...] = ()  # source field names tried when no mapping names it
    # Labels of values, per interface language (lang: ko -> 한국어).
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("en") or self.name

    def value_label(self, value: str, language: str) -> str:
        own = self.value_labels.get(language, {}).get(value)
        return own or _shipped_value_labels().get(self.name, {}).get(language, {}).get(value, value)

    @property
    def from_corpus(self) -> bool:
        """Read from corpus records (a mapping may name it)."""
        return self.kind != "column"

    @property
    def many(self) -> bool:
        return self.kind == "keywords"


@functools.cache
def _shipped_value_labels() -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    """resources/value_labels.toml: field -> language -> value -> label, for the values
    of the shipped corpus and mappings (Water Supply is 상수도 on a Korean page)."""
    with open(Path(__file__).parent / "resources" / "value_labels.toml", "rb") as file:
        return tomllib.load(file)


def _labels(ko: str, en: str) -> Mapping[str, str]:
    return MappingProxyType({"ko": ko, "en": en})


CONTENT_HASH = "content_hash"

FIELDS: tuple[Field, ...] = (
    # Source field names tried in order: English names, then the Korean column names of
    # public-sector exports (공공데이터포털, 열린재정, 서울 열린데이터광장 CSVs say 사업명,
    # 내용, 부서, 등록일).
    Field(
        "id",
        "id",
        _labels("문서 ID", "Document id"),
        in_query=True,
        aliases=("id", "doc_id", "uid"),  # not 번호: row numbers repeat across files
    ),
    Field(
        "title",
        "text",
        _labels("제목", "Title"),
        in_query=True,
        aliases=(
            *("title", "program_title", "name", "subject", "headline"),
            *("제목", "사업명", "정책명", "과제명", "서비스명", "공약명"),
        ),
    ),
    Field(
        "body",
        "text",
        _labels("본문", "Text"),
        in_query=True,
        joined=True,
        aliases=(
            *("body", "text", "summary", "purpose", "content", "contents", "description"),
            *("context", "내용", "본문", "사업내용", "사업개요", "주요내용", "설명", "요약"),
        ),
    ),
    Field(
        "category",
        "keywords",
        _labels("분류", "Category"),
        facet=True,
        filterable=True,
        in_query=True,
        aliases=(
            *("category", "categories", "function_category", "topic"),
            *("분류", "분야", "카테고리", "유형"),
        ),
    ),
    Field(
        "department",
        "keyword",
        _labels("부서", "Department"),
        facet=True,
        filterable=True,
        in_query=True,
        aliases=(
            *("department", "dept", "organization", "agency"),
            *("부서", "담당부서", "기관", "소관", "부서명", "기관명", "소관부서"),
        ),
    ),
    Field(
        "kind",
        "keyword",
        _labels("문서 종류", "Document kind"),
        facet=True,
        filterable=True,
        in_query=True,
        # 보도자료, 입법예고, 공고, 제안요청서, 공문: read from a document file's layout
        # (reading/layout.py) when no column says it.
        aliases=("kind", "doc_type", "document_type", "문서종류", "문서유형"),
    ),
    Field(
        "date",
        "date",
        _labels("날짜", "Date"),
        aliases=(
            *("date", "published", "registered", "created"),
            *("등록일", "작성일", "일자", "게시일", "등록일자", "작성일자"),
        ),
    ),
    Field(
        "date_source",
        "stored",
        _labels("날짜 근거", "Date from"),
        with_hits=False,
        # Where a document file's date was read: 보도일시, 시행, 문서 첫머리 ...
        aliases=("date_source",),
    ),
    Field(
        "year",
        "year",
        _labels("연도", "Year"),
        facet=True,
        filterable=True,
        in_query=True,
        aliases=("year", "fiscal_year", "연도", "년도", "회계연도"),
    ),
    Field(
        "lang",
        "keyword",
        _labels("언어", "Language"),
        facet=True,
        filterable=True,
        in_query=True,
        aliases=("lang", "language", "언어"),
        value_labels=MappingProxyType(
            {
                "ko": {"ko": "한국어", "en": "영어", "mixed": "한국어·영어"},
                "en": {"ko": "Korean", "en": "English", "mixed": "Korean and English"},
            }
        ),
    ),
    Field(
        "source",
        "keyword",
        _labels("출처", "Source"),
        facet=True,
        filterable=True,
        in_query=True,
        aliases=("source", "출처"),
    ),
    Field(
        "url",
        "stored",
        _labels("원문", "Original"),
        aliases=("url", "link", "bokjiro_url", "related_url", "링크", "URL"),  # not 주소
    ),
    Field(
        "tags",
        "keywords",
        _labels("태그", "Tags"),
        filterable=True,
        in_query=True,
        joined=True,
        aliases=("tags", "keywords", "키워드", "태그"),
    ),
    Field(
        "author",
        "stored",
        _labels("작성자", "Author"),
        with_hits=False,
        aliases=("author", "writer", "by", "작성자", "담당자"),
    ),
    # Internal columns: reindex compares hashes and scopes deletions to the sources it
    # read without loading stored documents.
    Field(CONTENT_HASH, "column", shown=False),  # computed from the others
    Field("origin_source", "column", shown=False),
    Field("origin_file", "column", shown=False),
)

FIELDS_BY_NAME: Mapping[str, Field] = MappingProxyType({f.name: f for f in FIELDS})
CORPUS_FIELDS = tuple(f.name for f in FIELDS if f.from_corpus)
TEXT_FIELDS = tuple(f.name for f in FIELDS if f.kind == "text")
BIGRAM_FIELDS = tuple(f"{name}_bigram" for name in TEXT_FIELDS)
FACET_FIELDS = tuple(f.name for f in FIELDS if f.facet)
FILTER_FIELDS = tuple(f.name for f in FIELDS if f.filterable)
QUERY_FILTER_FIELDS = tuple(f.name for f in FIELDS if f.in_query and f.kind != "text")
# A hit's stored values besides its title and snippet, and a document page's fields.
HIT_FIELDS = tuple(f.name for f in FIELDS if f.shown and f.with_hits and f.kind != "text")
DOCUMENT_FIELDS = tuple(f.name for f in FIELDS if f.shown)


def field_named(name: str) -> Field:
    return FIELDS_BY_NAME[name]


def split_keywords(value: object) -> list[str]:
    """A stored comma-joined KEYWORD field (category, tags) as its list of values."""
    if not value:
        return []
    return [part for part in str(value).split(",") if part]


def shown_values(stored: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """Stored fields as shown to users: keywords as lists, the rest as text."""
    return {
        name: split_keywords(stored.get(name))
        if field_named(name).many
        else str(stored.get(name) or "")
        for name in names
    }
