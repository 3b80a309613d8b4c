"""The document page has a budget: a long body is shown up to document_page_chars with
a link to the whole text, and at most document_page_marks searched words are marked."""

from __future__ import annotations

import re

import pytest

from indexer import build_index, read_corpus
from searchweb import create_app

from .conftest import make_settings, write_jsonl

LONG_BODY = "청년 월세 지원 사업의 세부 내용입니다. " * 2_000  # 46,000 characters, 4,000 marks


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("budget")
    write_jsonl(
        tmp_path / "c" / "docs.jsonl",
        [
            {"id": "long", "title": "청년 월세 긴 문서", "body": LONG_BODY + "끝문장"},
            {"id": "short", "title": "청년 월세 짧은 문서", "body": "청년 월세를 지원합니다."},
        ],
    )
    settings = make_settings(tmp_path, document_page_chars=10_000, document_page_marks=50)
    build_index(read_corpus(tmp_path / "c").documents, settings.index_dir, settings)
    return create_app({"SETTINGS": settings, "TESTING": True}).test_client()


def body_of(page: str) -> str:
    return re.search(r'<div class="body">(.*?)</div>', page, re.S).group(1)


def test_a_long_body_is_cut_with_a_link_to_the_whole_text(client):
    page = client.get("/doc/long?hl=ko").get_data(as_text=True)
    body = body_of(page)
    assert len(body) <= 10_000 and "끝문장" not in body
    assert "문서가 길어 앞의 10,000자만 보여 줍니다." in page
    link = re.search(r'<p class="notice body-cut">.*?<a href="([^"]+)"', page, re.S).group(1)
    whole = client.get(link.replace("&amp;", "&"))
    assert whole.status_code == 200 and whole.mimetype == "text/plain"
    assert whole.get_data(as_text=True) == f"청년 월세 긴 문서\n\n{LONG_BODY}끝문장\n"


def test_marks_stop_at_the_budget_and_the_page_says_so(client):
    page = client.get("/doc/long?q=청년 월세&hl=ko").get_data(as_text=True)
    assert body_of(page).count("<mark>") == 50
    assert "검색어는 앞의 50곳까지만 표시했습니다." in page


def test_a_short_document_is_shown_whole_and_marked_without_notices(client):
    page = client.get("/doc/short?q=청년 월세&hl=ko").get_data(as_text=True)
    assert body_of(page).count("<mark>") == 2
    assert "body-cut" not in page and "곳까지만" not in page


def test_the_whole_text_of_an_unknown_document_is_404(client):
    assert client.get("/text?id=nothing").status_code == 404
