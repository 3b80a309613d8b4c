"""End to end: `policysearch serve` on a free port, driven by real headless Chromium.

Screenshots go to test-artifacts/ (kept by CI as test artifacts).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from functools import partial

import pytest

from .conftest import (
    PROJECT_ROOT,
    SHARED_DATA,
    SHIPPED_CORPUS,
    cluster_env,
    local_cluster,
    running_server,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason="Debian chromium is not installed (scripts/test.sh installs it)",
)


@pytest.fixture(scope="module", params=["whoosh", "cluster"])
def server(request, tmp_path_factory):
    """policysearch serve over the shipped corpus plus the welfare programs, on a free port:
    from a Whoosh index, and from a two-shard cluster (built by the same `index`)."""
    served = tmp_path_factory.mktemp("served")
    index_dir = served / "index"
    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        if request.param == "cluster":
            if shutil.which("searchd") is None:
                pytest.skip("sphinxsearch is not installed (scripts/test.sh installs it)")
            env = cluster_env(stack.enter_context(local_cluster(served / "nodes")))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "searchweb.cli",
                "index",
                str(SHIPPED_CORPUS),
                str(SHARED_DATA / "kr-welfare-services"),
                "--index-dir",
                str(index_dir),
                "-q",
            ],
            check=True,
            timeout=300,
            env={**os.environ, **env},
        )
        settings_env = {name.removeprefix("POLICYSEARCH_"): value for name, value in env.items()}
        with running_server(index_dir, settings_env, "--workers", "1", "--threads", "4") as base:
            yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def facet_count(page, facet: str, label: str) -> int:
    item = page.locator(f'fieldset[data-facet="{facet}"] li', has_text=label).first
    return int(item.locator(".count").inner_text().replace(",", ""))


def total(page) -> int:
    return int(re.sub(r"\D", "", page.locator(".total").inner_text()))


def test_search_tick_a_facet_and_open_a_document(server, browser):
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page.goto(server + "/")
    page.fill("#q", "장애인 지원")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit mark").count() > 0
    all_results = total(page)
    disability = facet_count(page, "category", "장애인 지원")
    other_department = facet_count(page, "year", "2023")
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

    # Ticking the facet submits the form by script; results and other facets narrow.
    page.locator('fieldset[data-facet="category"] li', has_text="장애인 지원").first.locator(
        "input[type=checkbox]"
    ).check()
    page.wait_for_selector(".chip")
    assert total(page) == disability < all_results
    assert facet_count(page, "year", "2023") <= other_department
    assert facet_count(page, "category", "장애인 지원") == disability  # its own count stays
    page.screenshot(path=str(ARTIFACTS / "facet.png"), full_page=True)

    title = page.locator(".hit h2 a").first.inner_text()
    page.locator(".hit h2 a").first.click()
    page.wait_for_selector("article.document")
    assert page.locator("h1").inner_text() == title
    assert page.locator(".body mark").count() > 0
    page.screenshot(path=str(ARTIFACTS / "document.png"), full_page=True)
    page.close()


def test_page_is_usable_at_phone_width(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/?q=청년")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=str(ARTIFACTS / "phone.png"))
    page.close()


def test_embed_script_on_another_origin_gets_results(server, browser, tmp_path):
    (tmp_path / "index.html").write_text(
        f"""<!doctype html><html lang="ko"><head>
<meta charset="utf-8"><title>구청 누리집</title>
<style>input, button, li, a {{ color: red !important; font-size: 40px !important; }}</style>
</head><body><h1>구청 정책 검색</h1><div id="search"></div>
<script src="{server}/embed.js" data-target="#search"></script></body></html>""",
        encoding="utf-8",
    )
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    host_site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=host_site.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{host_site.server_address[1]}/index.html")
        box = page.locator("policy-search input")
        box.fill("장애인")
        page.wait_for_selector("policy-search ol > li")
        links = page.locator("policy-search ol > li > a")
        assert links.count() > 0
        assert page.locator("policy-search ol mark").first.inner_text().startswith("장애")
        # The host page's CSS does not reach into the widget's shadow root.
        colour = links.first.evaluate("e => getComputedStyle(e).color")
        assert colour != "rgb(255, 0, 0)"
        assert links.first.get_attribute("href").startswith(server + "/doc/")
        page.screenshot(path=str(ARTIFACTS / "embed.png"))
        page.close()
    finally:
        host_site.shutdown()
