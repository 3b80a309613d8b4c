"""The HTML pages through Flask's test client."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, unquote, urlsplit

import pytest

from searchweb import create_app


@pytest.fixture(scope="module")
def client(backend_settings):
    app = create_app({"SETTINGS": backend_settings, "TESTING": True})
    return app.test_client()


def text_of(response):
    return response.get_data(as_text=True)


def facet_counts(html, facet):
    block = re.search(rf'data-facet="{facet}">(.*?)</fieldset>', html, re.S).group(1)
    labels = re.findall(r'class="facet-label">([^<]*)</span>\s*<span class="count">([\d,]+)', block)
    return {label: int(count.replace(",", "")) for label, count in labels}


def test_search_page_shows_ranked_highlighted_results_and_facets(client):
    html = text_of(client.get("/?q=장애인 활동지원&hl=ko"))
    assert "<mark>장애</mark>인 <mark>활동지원</mark>" in html
    assert re.search(r'class="total">[\d,]+건', html)
    counts = facet_counts(html, "category")
    assert counts["장애인 지원"] > 0 and counts["사회복지"] > 0


def test_ticking_a_facet_narrows_results_but_not_its_own_counts(client):
    before = text_of(client.get("/?q=장애인&hl=ko"))
    after = text_of(client.get("/?q=장애인&category=장애인 지원&hl=ko"))
    assert facet_counts(after, "category") == facet_counts(before, "category")
    total = int(re.search(r'class="total">([\d,]+)건', after).group(1).replace(",", ""))
    assert total == facet_counts(before, "category")["장애인 지원"]
    checkbox = re.search(r'<input type="checkbox"[^>]*value="장애인 지원"[^>]*>', after).group(0)
    assert "checked" in checkbox
    # The chip removes the filter again.
    chip = re.search(r'<a class="chip" href="([^"]+)"', after).group(1)
    assert "category" not in parse_qs(urlsplit(chip.replace("&amp;", "&")).query)


def test_paging_and_sorting_links(client):
    html = text_of(client.get("/?q=지원&sort=date&page=2"))
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert 'aria-current="true">' in html
    # Page 2 newest first: budget programs carry a year and no date and sort at it.
    hits = client.get("/api/search?q=지원&sort=date&page=2").get_json()["hits"]
    newest_first = [hit["date"] or hit["year"] for hit in hits]
    assert newest_first and newest_first == sorted(newest_first, reverse=True)
    shown = [unquote(doc_id) for doc_id in re.findall(r'<h2><a href="/doc/([^"?]+)', html)]
    assert shown == [hit["id"] for hit in hits]


def test_no_results_page_offers_a_way_out(client):
    html = text_of(client.get("/?q=존재하지않는낱말xyz&category=사회복지&hl=en"))
    assert "No documents match" in html
    assert "Search again without the selected filters" in html


def test_bad_parameters_are_a_400_with_a_message_not_a_500(client):
    response = client.get("/?q=x&page=abc")
    assert response.status_code == 400
    assert "page must be a whole number" in text_of(response)


def test_interface_language_follows_accept_language_and_the_switch(client):
    client = client.application.test_client()  # no language cookie from earlier tests
    korean = client.get("/?q=Seoul", headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert "관련도순" in text_of(korean)
    english = client.get("/?q=Seoul", headers={"Accept-Language": "en-US"})
    assert "Relevance" in text_of(english)
    switched = client.get("/?q=Seoul&hl=ko", headers={"Accept-Language": "en-US"})
    assert "관련도순" in text_of(switched)
    assert "hl=ko" in switched.headers.get("Set-Cookie", "")
    remembered = client.get("/?q=Seoul", headers={"Accept-Language": "en-US"})
    assert "관련도순" in text_of(remembered)


def test_document_page_marks_the_query_and_lists_similar_documents(client):
    html = text_of(client.get("/doc/welfare-07-292?q=활동지원"))
    assert "<mark>활동지원</mark>" in html
    assert "Similar documents" in html or "비슷한 문서" in html
    assert len(re.findall(r'href="/doc/', html)) >= 3


def test_document_ids_with_special_characters_and_missing_documents(client):
    assert client.get("/doc/no-such-document").status_code == 404


def test_pages_carry_security_headers_and_escape_queries(client):
    response = client.get('/?q=<script>alert("x")</script>')
    html = text_of(response)
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "<script>" not in re.sub(r'<script src="[^"]+" defer></script>', "", html)


def test_opensearch_description_is_linked_and_served(client):
    html = text_of(client.get("/"))
    assert 'type="application/opensearchdescription+xml"' in html
    xml = text_of(client.get("/opensearch.xml"))
    assert "{searchTerms}" in xml and "<ShortName>policysearch</ShortName>" in xml


def test_embed_frame_may_be_framed_by_other_sites(client):
    response = client.get("/embed?q=아리수")
    assert "frame-ancestors *" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers
    assert "<mark>아리수</mark>" in text_of(response)


def test_a_missing_index_is_explained_on_the_page(tmp_path):
    from indexer import load_settings

    app = create_app(
        {"SETTINGS": load_settings(None, environ={}, index_dir=str(tmp_path / "none"))}
    )
    response = app.test_client().get("/?hl=en")
    assert response.status_code == 503
    assert "policysearch index" in text_of(response)


def test_a_cached_search_says_so_instead_of_a_time_of_zero(policy_index):
    client = create_app({"SETTINGS": policy_index.settings, "TESTING": True}).test_client()
    url = "/?q=" + quote("아리수 수질") + "&hl=ko"
    first = client.get(url).get_data(as_text=True)
    again = client.get(url).get_data(as_text=True)
    took = re.compile(r'<span class="took">\(([^)]*)\)</span>')
    assert took.search(first).group(1).endswith("ms")
    assert took.search(again).group(1) == "저장된 결과"
