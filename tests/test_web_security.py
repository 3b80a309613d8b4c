"""Web security: hostile documents and queries come out inert everywhere, CSP forbids
inline script, the API is read-only with CORS for reads, and clients are rate limited."""

from __future__ import annotations

import dataclasses
import os
import re

import pytest

from indexer import build_index, read_corpus
from searchweb import create_app
from searchweb.ratelimit import RateLimiter

from .conftest import make_settings, running_server, write_jsonl

# Each payload, if it ever ran, would set window.__pwned (checked in a real browser below).
PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=2">',
    '"><svg onload="window.__pwned=3">',
    "</mark><iframe srcdoc='<script>parent.__pwned=4</script>'></iframe><mark>",
    "&lt;script&gt;window.__pwned=5&lt;/script&gt;",  # already-escaped text stays text
]
RAW_MARKUP = re.compile(r"<(script|img|svg|iframe)\b[^>]*(onerror|onload|srcdoc|>window)", re.I)


@pytest.fixture(scope="module")
def hostile_settings(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("hostile")
    records = [
        {
            "id": f"evil-{number}<b>",
            "title": f"청년 주거 {payload}",
            "body": f"청년 월세 지원 {payload} 서울시 청년 정책 {payload}",
            "category": [f"주거{payload}"],
            "department": f"청년청 {payload}",
            "url": "javascript:window.__pwned=9",
            "tags": [payload],
        }
        for number, payload in enumerate(PAYLOADS)
    ]
    write_jsonl(tmp_path / "corpus" / "evil.jsonl", records)
    settings = make_settings(tmp_path, api_requests_per_minute=0)
    report = read_corpus(tmp_path / "corpus")
    assert len(report.documents) == len(PAYLOADS)
    build_index(report.documents, settings.index_dir, settings)
    return settings


@pytest.fixture(scope="module")
def client(hostile_settings):
    return create_app({"SETTINGS": hostile_settings, "TESTING": True}).test_client()


def assert_inert(html: str) -> None:
    assert not RAW_MARKUP.search(html), RAW_MARKUP.search(html).group(0)
    assert 'href="javascript:' not in html
    # The only scripts are the app's own files.
    for tag in re.findall(r"<script\b[^>]*>", html, re.I):
        assert " src=" in tag, tag


@pytest.mark.parametrize(
    "path",
    [
        "/?q=청년",
        "/?q=청년&category=주거" + PAYLOADS[0],
        "/?q=" + PAYLOADS[1],
        "/?q=" + PAYLOADS[0] + "&hl=en",
        "/embed?q=청년",
        "/embed?q=" + PAYLOADS[2],
    ],
)
def test_search_and_embed_pages_escape_documents_and_queries(client, path):
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_inert(html)
    if "q=청년" in path:
        assert "<mark>청년</mark>" in html  # marking still works around the escaped text


def test_document_pages_escape_text_and_drop_script_urls(client):
    for number in range(len(PAYLOADS)):
        response = client.get(f"/doc/evil-{number}%3Cb%3E", query_string={"q": "청년"})
        assert response.status_code == 200
        assert_inert(response.get_data(as_text=True))


def test_api_snippets_hold_only_mark_tags(client):
    body = client.get(
        "/api/search", query_string={"q": "청년 " + PAYLOADS[1], "size": 50}
    ).get_json()
    assert body["total"] + body["related_total"] == len(PAYLOADS)
    for hit in body["hits"]:
        for html in (hit["title_html"], hit["snippet_html"]):
            assert "<mark>" in html
            assert "<" not in html.replace("<mark>", "").replace("</mark>", "")
    suggestions = client.get("/api/suggest", query_string={"q": "청"}).get_json()
    assert suggestions is not None


def test_every_html_page_has_a_csp_without_inline_script(client):
    for path in ["/", "/?q=청년", "/doc/evil-0%3Cb%3E", "/embed?q=청년", "/doc/missing"]:
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src.split() == ["'self'"], policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_route_changes_state_and_cors_is_for_reads(hostile_settings):
    app = create_app({"SETTINGS": hostile_settings, "TESTING": True})
    for rule in app.url_map.iter_rules():
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    client = app.test_client()
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/api/search", headers={"Origin": "https://a.example"})
        assert response.status_code == 405 and response.get_json()["error"]
    preflight = client.options(
        "/api/search",
        headers={"Origin": "https://a.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"


def test_api_rate_limit_per_client_with_retry_after(hostile_settings):
    limited = dataclasses.replace(hostile_settings, api_requests_per_minute=60, api_burst=5)
    client = create_app({"SETTINGS": limited, "TESTING": True}).test_client()
    first = {"REMOTE_ADDR": "198.51.100.7"}
    statuses = [
        client.get(
            "/api/search?q=청년", environ_base=first, headers={"Origin": "https://a.example"}
        ).status_code
        for _ in range(7)
    ]
    assert statuses == [200] * 5 + [429] * 2
    refused = client.get(
        "/api/search?q=청년", environ_base=first, headers={"Origin": "https://a.example"}
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "60 a minute" in refused.get_json()["error"]
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # the widget can show why
    # Another client is not affected.
    assert (
        client.get("/api/search?q=청년", environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path",
    [
        "/?q=청년",
        "/embed?q=청년",
        "/doc/evil-0%3Cb%3E?q=청년",
        "/api/suggest?q=청",
        "/api/doc/evil-0%3Cb%3E",
    ],
)
def test_every_route_that_searches_shares_the_rate_limit(hostile_settings, path):
    limited = dataclasses.replace(hostile_settings, api_requests_per_minute=60, api_burst=3)
    client = create_app({"SETTINGS": limited, "TESTING": True}).test_client()
    client_address = {"REMOTE_ADDR": "198.51.100.20"}
    # Searches through the API use up the same bucket as the page.
    for _ in range(3):
        assert client.get("/api/search?q=청년", environ_base=client_address).status_code == 200
    refused = client.get(path, environ_base=client_address, headers={"Accept-Language": "ko"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    if path.startswith("/api/"):
        assert refused.get_json()["status"] == 429
    else:
        assert "검색 요청이 너무 많습니다" in refused.get_data(as_text=True)
    # Static files and the widget script are not searches.
    assert client.get("/embed.js", environ_base=client_address).status_code == 200


def test_every_route_is_classified_as_searching_or_not(client):
    from searchweb.guard import NON_SEARCHING_ENDPOINTS, SEARCHING_ENDPOINTS

    endpoints = {rule.endpoint for rule in client.application.url_map.iter_rules()}
    assert endpoints == SEARCHING_ENDPOINTS | NON_SEARCHING_ENDPOINTS


def test_raw_queries_are_refused_unless_allowed_then_limited_harder(hostile_settings):
    client = create_app({"SETTINGS": hostile_settings, "TESTING": True}).test_client()
    refused = client.get("/api/search?q=청*&raw=1")
    assert refused.status_code == 400 and "allow_raw_queries" in refused.get_json()["error"]
    assert client.get("/?q=청*&raw=1").status_code == 400
    allowed = dataclasses.replace(
        hostile_settings,
        allow_raw_queries=True,
        raw_queries_per_minute=6,
        api_requests_per_minute=600,
        api_burst=100,
    )
    client = create_app({"SETTINGS": allowed, "TESTING": True}).test_client()
    statuses = [client.get("/api/search?q=청*&raw=1").status_code for _ in range(3)]
    assert statuses == [200, 429, 429]  # burst: a sixth of the per-minute rate, at least 1
    assert client.get("/api/search?q=청년").status_code == 200  # plain searches go on


def test_rate_limit_trusts_forwarded_for_only_behind_configured_proxies(hostile_settings):
    behind = dataclasses.replace(
        hostile_settings, api_requests_per_minute=60, api_burst=1, proxy_hops=1
    )
    client = create_app({"SETTINGS": behind, "TESTING": True}).test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for user in ("203.0.113.1", "203.0.113.2"):
        assert (
            client.get(
                "/api/search?q=청년", environ_base=proxy, headers={"X-Forwarded-For": user}
            ).status_code
            == 200
        )
    assert (
        client.get(
            "/api/search?q=청년", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.1"}
        ).status_code
        == 429
    )
    direct = dataclasses.replace(behind, proxy_hops=0)
    client = create_app({"SETTINGS": direct, "TESTING": True}).test_client()
    assert (
        client.get(
            "/api/search?q=청년", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.1"}
        ).status_code
        == 200
    )
    # Without trusted proxies a forged header does not buy a new bucket.
    assert (
        client.get(
            "/api/search?q=청년", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.9"}
        ).status_code
        == 429
    )


def test_token_bucket_refills_at_the_configured_rate():
    now = [1000.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.check("a").allowed for _ in range(3)] == [True, True, False]
    assert limiter.check("a").retry_after_s == 1
    now[0] += 1.0
    assert limiter.check("a").allowed and not limiter.check("a").allowed
    now[0] += 60.0
    assert [limiter.check("a").allowed for _ in range(3)] == [True, True, False]  # capped at burst


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed")
def test_no_payload_runs_in_a_real_browser(hostile_settings, tmp_path):
    from playwright.sync_api import sync_playwright

    from .test_browser import CHROMIUM_ARGS

    host_page = tmp_path / "host.html"
    with running_server(hostile_settings.index_dir, {}, "--workers", "1", "--threads", "2") as base:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for path in [
                "/?q=청년",
                "/?q=" + PAYLOADS[1],
                "/doc/evil-1%3Cb%3E?q=청년",
                "/embed?q=청년",
            ]:
                page.goto(base + path)
                assert page.evaluate("window.__pwned") is None, path
            # The embed widget on another page renders the hostile hits as text.
            host_page.write_text(
                f'<!doctype html><meta charset="utf-8"><div id="box"></div>'
                f'<script src="{base}/embed.js" data-target="#box"></script>',
                encoding="utf-8",
            )
            page.goto(host_page.as_uri())
            box = page.locator("policy-search input")
            box.fill("청년")
            box.press("Enter")
            page.locator("policy-search li").first.wait_for(timeout=15000)
            assert page.locator("policy-search li").count() == len(PAYLOADS)
            assert page.evaluate("window.__pwned") is None
            browser.close()
