"""An analyst's day in the web app and a web team's embedded box, in real headless
Chromium against `policysearch serve` over the shipped corpus, the Seoul budget programs
and pledges, and the welfare programs (4,745 documents).

One test per item of the issue; screenshots go to test-artifacts/.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from functools import partial
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import feedparser
import pytest

from .conftest import free_port, running_server

# The browser (Debian chromium) and the skip mark when it is missing are test_browser's.
from .test_browser import ARTIFACTS, browser, pytestmark  # noqa: F401

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def server(backend_settings):
    """policysearch serve over the policy documents: from the Whoosh index, and from a
    two-shard cluster holding the same documents."""
    with running_server(
        backend_settings.index_dir, serve_env(backend_settings), "--workers", "1", "--threads", "4"
    ) as base:
        yield base


def serve_env(settings) -> dict[str, str]:
    env = {"API_REQUESTS_PER_MINUTE": "0", "COMPLETION_CONTEXT_MS": "0"}
    if settings.backend == "cluster":
        env.update(BACKEND="cluster", CLUSTER_DIR=settings.cluster_dir)
    return env


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ko-KR", viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def api(server, path):
    with urllib.request.urlopen(server + path, timeout=30) as response:
        return json.loads(response.read())


def total(page) -> int:
    return int(re.sub(r"\D", "", page.locator(".total").inner_text()))


def query_of(url: str) -> list[tuple[str, str]]:
    return sorted(parse_qsl(urlsplit(url).query))


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"day-{name}.png"), full_page=True)


def test_1_every_facet_value_is_reachable_and_counts_never_wrap(server, page):
    page.goto(server + "/?q=" + quote("지원"))
    departments = page.locator('fieldset[data-facet="department"]')
    # Each count sits on one line next to its label (70 never shows as 7 over 0).
    lines = page.evaluate("""() => [...document.querySelectorAll('.facets .count')]
        .map(e => e.getClientRects().length)""")
    assert lines and set(lines) == {1}
    expected = api(server, "/api/facet/department?q=" + quote("지원"))
    assert departments.locator("li").count() == 20 < expected["value_count"]
    departments.locator("a.more").click()
    page.wait_for_selector('fieldset.expanded[data-facet="department"]')
    assert departments.locator("li").count() == expected["value_count"]
    shot(page, "1-facet-all-values")

    box = departments.locator(".facet-filter input")
    box.fill("복지")
    visible = departments.locator("li:visible .facet-label").all_inner_texts()
    assert visible and all("복지" in label for label in visible)
    assert len(visible) == sum("복지" in v["value"] for v in expected["values"])
    shot(page, "1-facet-filter")

    # A value far down the list (not among the first 20) can be ticked.
    rare = expected["values"][-1]
    box.fill(rare["value"])
    item = departments.locator("li:visible", has_text=rare["value"]).first
    with page.expect_navigation():
        item.locator("input").check()
    assert total(page) == rare["count"]
    assert page.locator(".chip", has_text=rare["value"]).count() == 1


def test_2_dates_work_on_documents_with_only_a_year(server, page):
    page.goto(server + "/?q=" + quote("청년"))
    page.fill('input[name="from"]', "2018")
    page.fill('input[name="to"]', "2018")
    with page.expect_navigation():
        page.click(".range-apply")
    oracle = api(server, "/api/search?q=" + quote("청년") + "&from=2018&to=2018&size=100")
    assert total(page) == oracle["total"] > 0
    # Budget programs carry only a year: they are in the range.
    assert any(not hit["date"] and hit["year"] == "2018" for hit in oracle["hits"])
    assert ("from", "2018") in query_of(page.url)
    shot(page, "2-date-range")

    # Oldest first over all dates; the page shows what the API ranks.
    page.goto(server + "/?q=" + quote("청년"))
    with page.expect_navigation():
        page.locator(".sort a", has_text="오래된순").click()
    assert page.locator(".sort strong").inner_text() == "오래된순"
    oldest = api(server, "/api/search?q=" + quote("청년") + "&sort=oldest&size=10")
    dates = [hit["date"] or hit["year"] for hit in oldest["hits"]]
    assert dates == sorted(dates)
    shown = page.locator(".hit h2 a").evaluate_all("links => links.map(a => a.href)")
    assert [unquote(urlsplit(href).path.removeprefix("/doc/")) for href in shown] == [
        hit["id"] for hit in oldest["hits"]
    ]

    response = page.goto(server + "/?q=" + quote("청년") + "&from=2018-13")
    assert response.status == 400
    assert "2018-13" in page.locator('[role="alert"]').inner_text()
    shot(page, "2-bad-date")


def test_3_the_document_page_keeps_the_search_and_leads_back_to_it(server, page):
    start = (
        server
        + "/?q="
        + quote("장애인")
        + "&category="
        + quote("장애인 지원")
        + "&sort=newest&page=2"
    )
    page.goto(start)
    first_title = page.locator(".hit h2 a").first.inner_text()
    page.locator(".hit h2 a").first.click()
    page.wait_for_selector("article.document")
    assert page.input_value("#q") == "장애인"
    assert page.locator(".document mark").count() > 0
    assert page.locator("h1").inner_text() == first_title
    shot(page, "3-document")
    page.click("text=검색 결과로 돌아가기")
    page.wait_for_selector(".hit")
    assert query_of(page.url) == query_of(start)
    assert page.locator(".pager .page-of").inner_text().startswith("2 /")
    assert page.locator(".pager [aria-current=page]").inner_text() == "2"
    assert page.locator(".sort strong").inner_text() == "최신순"
    assert page.locator('fieldset[data-facet="category"] input:checked').count() == 1


def test_4_the_results_download_as_csv_that_opens_with_korean_intact(server, page):
    page.goto(server + "/?q=" + quote("장애인 활동지원"))
    with page.expect_download() as download_info:
        page.click("a.export >> text=CSV")
    download = download_info.value
    assert download.suggested_filename == "policysearch-장애인_활동지원.csv"
    raw = open(download.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    oracle = api(server, "/api/search?q=" + quote("장애인 활동지원") + "&size=100")
    assert len(rows) == oracle["total"]
    assert [row["id"] for row in rows[:100]] == [hit["id"] for hit in oracle["hits"]]
    assert rows[0]["title"] == oracle["hits"][0]["title"] and "장애인" in rows[0]["title"]

    # The document page's citation and link, copied with one click.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page.locator(".hit h2 a").first.click()
    page.click("button.copy >> text=링크 복사")
    page.wait_for_selector(".copied:has-text('복사했습니다')")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(server + "/doc/") and "?" not in copied
    assert "검색일" in page.locator(".citation").inner_text()
    shot(page, "4-citation")


def test_5_a_search_can_be_followed_as_an_atom_feed(server, page):
    page.goto(server + "/?q=" + quote("청년") + "&lang=ko")
    assert page.locator('link[rel="alternate"][type="application/atom+xml"]').count() == 1
    # The link opens a page saying how to subscribe, with the feed's address to copy.
    page.locator("a.feed").click()
    page.wait_for_url("**/subscribe?**")
    assert "피드 리더" in page.locator("main, #main").first.inner_text()
    address = page.locator("input.doc-link").input_value()
    assert address.startswith(server + "/feed.atom?")  # absolute: a reader can use it
    response = page.request.get(address)
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.body())
    assert not feed.bozo and feed.version == "atom10"
    assert "청년" in feed.feed.title and len(feed.entries) == 50
    newest = api(server, "/api/search?q=" + quote("청년") + "&lang=ko&sort=newest&size=50")
    assert [entry.link for entry in feed.entries][:5] == [
        server + "/doc/" + quote(hit["id"], safe="") + "?q=" + quote("청년")
        for hit in newest["hits"][:5]
    ]


def test_6_autocomplete_is_a_combobox_used_with_the_keyboard(server, page):
    page.goto(server + "/")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    box.click()
    page.keyboard.type("ㅇㄹㅅ")
    listbox = page.locator("#q-suggestions")
    listbox.locator('[role="option"]').first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.locator('[role="option"]')
    assert "아리수" in options.all_inner_texts()[0] + options.all_inner_texts()[1]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = options.nth(1)
    assert box.get_attribute("aria-activedescendant") == second.get_attribute("id")
    assert second.get_attribute("aria-selected") == "true"
    # The box shows the active option, as portal search boxes do.
    assert second.inner_text().startswith(box.input_value()) and box.input_value() != "ㅇㄹㅅ"
    page.keyboard.press("ArrowUp")
    assert box.get_attribute("aria-activedescendant") == options.nth(0).get_attribute("id")
    shot(page, "6-combobox")
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "ㅇㄹㅅ"
    page.keyboard.press("Escape")
    assert box.input_value() == ""

    # A keyboard slip is offered corrected; Enter on it searches the correction.
    page.keyboard.type("dkfltn")
    first = listbox.locator('[role="option"]').first
    first.wait_for()
    assert first.get_attribute("data-kind") == "correction" and first.inner_text().startswith(
        "아리수"
    )
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert ("q", "아리수") in query_of(page.url) and total(page) > 0


def test_6b_youth_and_the_start_of_a_word_complete_to_youth_monthly_rent(server, page):
    page.goto(server + "/")
    page.locator("#q").click()
    page.keyboard.type("청년 월")
    listbox = page.locator("#q-suggestions")
    first = listbox.locator('[role="option"]').first
    first.wait_for()
    assert first.inner_text().startswith("청년 월세")
    page.keyboard.press("ArrowDown")
    assert page.locator("#q").input_value() == "청년 월세"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert ("q", "청년 월세") in query_of(page.url) and total(page) > 0


def test_7_phone_drawer_no_horizontal_scroll_and_a_skip_link(server, browser):
    context = browser.new_context(locale="ko-KR", viewport=PHONE, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(server + "/?q=" + quote("장애인 지원"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not phone.locator("#filters").is_visible()
    toggle = phone.locator(".filter-toggle")
    assert toggle.is_visible() and toggle.bounding_box()["y"] < 400  # near the top
    shot(phone, "7-phone-results")
    toggle.click()
    assert (
        phone.locator("#filters").is_visible() and toggle.get_attribute("aria-expanded") == "true"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    category = phone.locator('fieldset[data-facet="category"] li').first
    label = category.locator(".facet-label").inner_text()
    category.locator("input").check()  # no reload yet: several can be ticked
    assert phone.locator("#filters").is_visible()
    shot(phone, "7-phone-drawer")
    with phone.expect_navigation():
        phone.click("#filters .apply")
    assert phone.locator(".chip", has_text=label).count() == 1
    toggle = phone.locator(".filter-toggle")
    assert "(1)" in toggle.inner_text()
    toggle.click()
    phone.keyboard.press("Escape")
    assert not phone.locator("#filters").is_visible()
    context.close()

    desktop = browser.new_context(locale="ko-KR", viewport=DESKTOP).new_page()
    desktop.goto(server + "/?q=" + quote("장애인 지원"))
    desktop.keyboard.press("Tab")
    assert desktop.evaluate("document.activeElement.className") == "skip"
    desktop.keyboard.press("Enter")
    for tabs in range(1, 30):
        desktop.keyboard.press("Tab")
        if desktop.evaluate("document.activeElement.closest('.hit') !== null"):
            break
    assert tabs <= 8, f"{tabs} tab stops from the skip link to the first result"
    desktop.context.close()


HOST_PAGE = """<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>구청 누리집</title>
</head><body><h1>구청 정책 검색</h1>
<div id="search"><form class="fallback" action="{server}/" method="get">
<input name="q" aria-label="정책 검색"><button>검색</button></form></div>
<script src="{server}/embed.js" data-target="#search" data-size="3"></script></body></html>"""


def test_8_the_widget_survives_a_stopped_rate_limited_and_restored_api(
    policy_index, browser, tmp_path
):
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    (tmp_path / "index.html").write_text(HOST_PAGE.format(server=server), encoding="utf-8")
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    host_site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=host_site.serve_forever, daemon=True).start()
    host = f"http://127.0.0.1:{host_site.server_address[1]}/index.html"
    # 20 searches a minute (one every 3 s), 4 at once: a burst of typing is refused.
    limits = {"API_REQUESTS_PER_MINUTE": "20", "API_BURST": "4"}
    index_dir = policy_index.settings.index_dir
    page = browser.new_context(locale="ko-KR", viewport={"width": 900, "height": 900}).new_page()
    try:
        # The API is down when the page loads: the host's fallback form stays usable.
        page.goto(host)
        assert page.locator("form.fallback").is_visible()
        assert page.locator("form.fallback").get_attribute("action") == server + "/"
        shot(page, "8-widget-fallback")

        with running_server(index_dir, limits, "--workers", "1", port=port):
            page.goto(host)
            widget = page.locator("policy-search")
            widget.locator("input").wait_for()
            assert page.locator("form.fallback").count() == 0
            widget.locator("input").fill("장애인")
            widget.locator("ol > li").first.wait_for()
            links = widget.locator("ol > li > a")
            assert links.count() == 3 and "q=" + quote("장애인") in links.first.get_attribute(
                "href"
            )
            see_all = widget.locator("a.see-all")
            matched = api(server, "/api/search?q=" + quote("장애인") + "&size=1")["total"]
            assert f"{matched:,}" in see_all.inner_text()
            assert see_all.get_attribute("href").startswith(server + "/?q=" + quote("장애인"))
            # Keyboard: into the results, along them, and Escape back to the box.
            widget.locator("input").press("Escape")
            widget.locator("input").press("Tab")
            page.keyboard.press("Tab")
            page.keyboard.press("ArrowDown")
            focused = page.evaluate(
                "document.querySelector('policy-search').shadowRoot.activeElement.href"
            )
            assert focused == links.nth(1).get_attribute("href")
            page.keyboard.press("Escape")
            assert (
                page.evaluate(
                    "document.querySelector('policy-search').shadowRoot.activeElement.tagName"
                )
                == "INPUT"
            )
            shot(page, "8-widget-results")

            # Rate limited: the box says so in Korean, shows no stale results, and
            # searches again by itself after Retry-After.
            box = widget.locator("input")
            box.fill("청년")
            for _ in range(6):
                box.press("Enter")
            status = widget.locator(".status")
            status.locator("text=요청이 많습니다").wait_for(timeout=10_000)
            assert widget.locator("ol > li").count() == 0
            assert not re.search(r"[A-Za-z]{3,}", status.inner_text())
            shot(page, "8-widget-rate-limited")
            widget.locator("ol > li").first.wait_for(timeout=30_000)
            assert "건" in status.inner_text()

        # The API stops mid-session: a message, a way to the full page, no stale results.
        box.fill("노인")
        status.locator("text=연결할 수 없습니다").wait_for(timeout=10_000)
        assert widget.locator("ol > li").count() == 0
        assert status.locator("a").get_attribute("href").startswith(server + "/?q=")
        shot(page, "8-widget-api-stopped")

        with running_server(index_dir, limits, "--workers", "1", port=port):
            time.sleep(3)  # a token for the next search (one every 3 s)
            box.press("Enter")
            widget.locator("ol > li").first.wait_for(timeout=20_000)
            assert "노인" in widget.locator("ol").inner_text()
            shot(page, "8-widget-restored")
    finally:
        page.context.close()
        host_site.shutdown()


def test_9_operators_see_what_was_searched(server, backend_settings, page):
    for address in ("/?q=주차장 공유", "/?q=주차장 공유", "/?q=청년 주택&year=1999"):
        page.goto(server + quote(address, safe="/?=&"))
        assert page.locator(".hit").count() == (0 if "1999" in address else 10)
    env = {
        **os.environ,
        **{"POLICYSEARCH_" + name: value for name, value in serve_env(backend_settings).items()},
    }
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchweb.cli",
            "analytics",
            "--since",
            "1d",
            "--json",
            "--index-dir",
            backend_settings.index_dir,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )
    data = json.loads(report.stdout)
    top = {entry["query"]: entry["searches"] for entry in data["top_queries"]}
    assert top.get("주차장 공유", 0) >= 2
    zero = {entry["query"]: entry["filters"] for entry in data["zero_result_queries"]}
    assert zero["청년 주택"] == {"year": ["1999"]}


def test_10_matches_and_related_results_are_kept_apart_with_reasons(server, page, tmp_path):
    """The total counts the matches; the related results follow under their own heading
    and count, each hit labelled with why it was found; no match is said plainly."""
    q = "청년 월세 보증금"
    oracle = api(server, "/api/search?size=50&q=" + quote(q))
    assert oracle["total"] > 0 and oracle["related_total"] > 0
    page.goto(server + "/?size=50&q=" + quote(q))
    assert total(page) == oracle["total"]
    heading = page.locator(".related-heading")
    assert heading.inner_text() == f"관련 결과 {oracle['related_total']:,}건"
    matches = page.locator('.hit[data-tier="match"]')
    related = page.locator('section.related .hit[data-tier="related"]')
    assert matches.count() == oracle["total"]
    assert related.count() == len(oracle["hits"]) - oracle["total"]
    assert matches.first.locator(".reason").count() >= 1
    assert related.first.locator(".reason").first.inner_text().startswith("단어 ")
    shot(page, "10-related-results")

    page.goto(server + "/?q=" + quote("기초연굼"))
    assert (
        page.locator(".no-matches")
        .inner_text()
        .startswith("‘기초연굼’와(과) 일치하는 문서가 없습니다")
    )
    assert total(page) == 0 and page.locator(".related-heading").is_visible()
    assert "‘기초연굼’에서 고침" in page.locator(".hit .reason").first.inner_text()
    shot(page, "10-no-match")

    # The embedded box says the same: the matches' count, then the related results under
    # their heading, each with its reason.
    (tmp_path / "index.html").write_text(
        HOST_PAGE.format(server=server).replace('data-size="3"', 'data-size="10"'),
        encoding="utf-8",
    )
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    host_site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=host_site.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{host_site.server_address[1]}/index.html")
        widget = page.locator("policy-search")
        widget.locator("input").fill(q)
        widget.locator("li.related-heading").wait_for()
        status = widget.locator(".status").inner_text()
        assert status.startswith(f"{oracle['total']:,}건 · 관련 결과 {oracle['related_total']:,}건")
        assert widget.locator('li[data-tier="match"]').count() == min(oracle["total"], 10)
        assert widget.locator('li[data-tier="related"] .reason').first.inner_text()
        shot(page, "10-widget-related")
    finally:
        host_site.shutdown()
