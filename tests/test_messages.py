"""Messages as codes: one table per language, the same codes and parameters in each,
rendered in the user's language on the page, in the API and for notices."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from indexer.messages import LANGUAGES, Notice, message_table, render
from searchweb import create_app

SOURCES = Path(__file__).resolve().parent.parent
_CODE_IN_SOURCE = re.compile(r"""(?:code=|Notice\(|refusal\(\d+, )["']([a-z_]+)["']""")


def _parameters(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_language_has_the_same_codes_with_the_same_parameters():
    english = message_table("en")
    for language in LANGUAGES:
        table = message_table(language)
        assert set(table) == set(english), language
        for code, template in table.items():
            assert _parameters(template) == _parameters(english[code]), (language, code)


def test_every_code_the_code_raises_has_a_message():
    used = set()
    for path in [*SOURCES.glob("indexer/**/*.py"), *SOURCES.glob("searchweb/**/*.py")]:
        used |= set(_CODE_IN_SOURCE.findall(path.read_text(encoding="utf-8")))
    assert {"out_of_range", "relaxed_some", "no_document", "not_found"} <= used
    assert used - set(message_table("en")) == set()
    # The rate limiter names its two codes in a table of checks.
    assert {"too_many_requests", "too_many_raw_requests"} <= set(message_table("en"))


def test_a_notice_renders_in_each_language():
    notice = Notice("query_cut", {"max_chars": 500})
    assert notice.text("en") == "The query was cut to 500 characters."
    assert "500자" in notice.text("ko")
    assert notice.to_dict("ko") == {
        "code": "query_cut",
        "params": {"max_chars": 500},
        "message": notice.text("ko"),
    }
    assert render("no_such_code") == "no_such_code"


@pytest.fixture(scope="module")
def client(policy_index):
    return create_app({"SETTINGS": policy_index.settings, "TESTING": True}).test_client()


@pytest.mark.parametrize(
    "language, expected", [("en", "page must be between 1 and"), ("ko", "page 값은 1에서")]
)
def test_api_errors_carry_a_code_and_the_message_in_the_language_asked(client, language, expected):
    response = client.get(f"/api/search?q=지원&page=99999&hl={language}")
    body = response.get_json()
    assert response.status_code == 400
    assert body["code"] == "out_of_range" and body["params"]["value"] == 99999
    assert expected in body["error"]


def test_the_korean_page_shows_errors_and_notices_in_korean(client):
    error = client.get("/?q=지원&page=99999&hl=ko").get_data(as_text=True)
    assert "page 값은 1에서" in error and "must be between" not in error
    long_query = "지원 " * 400
    page = client.get("/", query_string={"q": long_query, "hl": "ko"}).get_data(as_text=True)
    assert 'data-code="query_cut"' in page and "앞의" in page
    english = client.get("/", query_string={"q": long_query, "hl": "en"}).get_data(as_text=True)
    assert "The query was cut to" in english


def test_api_notices_and_facet_labels_follow_the_language(client):
    korean = client.get("/api/search", query_string={"q": "지원 " * 400, "hl": "ko"}).get_json()
    assert [n["code"] for n in korean["notices"]][:1] == ["query_cut"]
    assert "앞의" in korean["notices"][0]["message"]
    labels = {f["name"]: f for f in korean["facets"]}
    assert labels["department"]["label"] == "부서"
    assert {v["value"]: v["label"] for v in labels["lang"]["values"]}.get("ko") == "한국어"
    english = client.get("/api/search", query_string={"q": "지원", "hl": "en"}).get_json()
    lang = next(f for f in english["facets"] if f["name"] == "lang")
    assert lang["label"] == "Language"
    assert {v["value"]: v["label"] for v in lang["values"]}.get("ko") == "Korean"
