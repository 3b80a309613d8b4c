"""Text is normalised the same way at index and query time: NFC, no invisible
characters, no private-use glyphs, literal <br> as a line break."""

from __future__ import annotations

import dataclasses
import unicodedata

from indexer import SearchIndex, SearchRequest, build_index, read_corpus
from indexer.reading.documents import clean_text

from .conftest import write_jsonl


def test_clean_text_normalises_and_removes_invisible_characters():
    assert clean_text(unicodedata.normalize("NFD", "도시재생")) == "도시재생"
    assert clean_text("아\u200b리\u00ad수\ufeff") == "아리수"
    assert clean_text("Se\u200doul\u2060") == "Seoul"
    assert clean_text("\uf0a7 사업 개요") == "사업 개요"  # an HWP bullet glyph
    assert clean_text("첫 줄<br>둘째 줄<BR />셋째") == "첫 줄\n둘째 줄\n셋째"
    assert clean_text("외로운\ud800서로게이트") == "외로운서로게이트"
    # Not characters at all, and no XML can hold them: never indexed, never in a feed.
    assert clean_text("청년\ufffe 월세\uffff") == "청년 월세"


def ids(index: SearchIndex, query: str) -> list[str]:
    return [hit.id for hit in index.search(SearchRequest(q=query)).hits]


def test_decomposed_and_hidden_words_are_found_by_plain_queries(tmp_path, settings):
    write_jsonl(
        tmp_path / "c" / "docs.jsonl",
        [
            {
                "id": "nfd",
                "title": unicodedata.normalize("NFD", "도시재생 활성화 계획"),
                "body": unicodedata.normalize("NFD", "쇠퇴한 구도심의 도시재생을 추진합니다."),
            },
            {
                "id": "zw",
                "title": "수돗물 안내",
                "body": "서울의 수돗물 아\u200b리\u200b수는 깨끗합니다.",
            },
            {"id": "shy", "title": "Water", "body": "Se\u00adoul tap water is safe to drink."},
            {"id": "bom", "title": "기타", "body": "청년\ufeff주택 공급 확대"},
        ],
    )
    build_index(read_corpus(tmp_path / "c").documents, settings.index_dir, settings)
    # About cleaning, not expansion: with translations 아리수 would also find the
    # English "tap water" document (tests/test_translations.py).
    settings = dataclasses.replace(settings, translations=False, synonyms=False)
    index = SearchIndex(settings.index_dir, settings)
    try:
        assert ids(index, "도시재생") == ["nfd"]
        assert ids(index, unicodedata.normalize("NFD", "도시재생")) == ["nfd"]  # an NFD query too
        assert ids(index, "아리수") == ["zw"]
        assert ids(index, "Seoul") == ["shy"]
        assert ids(index, "청년주택") == ["bom"]
        assert ids(index, "아\u200b리수") == ["zw"]  # invisible characters in the query too
    finally:
        index.close()
