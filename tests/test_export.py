"""Export and follow a search: every match as CSV (Excel, Korean intact) or JSON Lines from
the CLI and the API, an Atom feed of the newest documents, and a citation per document."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

import feedparser
import pytest
from click.testing import CliRunner

from indexer import SearchRequest, build_index, read_corpus
from indexer.cli import main
from indexer.engines.whoosh.index import SearchIndex
from indexer.model.export import COLUMNS, csv_cell
from searchweb import create_app

from .conftest import make_settings, write_jsonl


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("export")
    records = [
        {
            "id": f"p-{n}",
            "title": f"청년 월세 지원 {n}차",
            "body": "청년 월세를 지원합니다. " * (n + 1),
            "category": ["주거", "청년"],
            "department": "주택정책과",
            "date": f"2021-0{n + 1}-15",
        }
        for n in range(6)
    ] + [
        {
            "id": "formula",
            "title": '=HYPERLINK("http://example.com","청년")',
            "body": "청년 제목이 수식처럼 보이는 문서",
            "year": "2019",
        },
        {
            "id": "comma",
            "title": '청년, "따옴표"와 쉼표',
            "body": "청년\n줄바꿈이 있는 본문",
            "department": "청년정책담당관",
        },
    ]
    corpus = write_jsonl(tmp_path / "corpus" / "docs.jsonl", records).parent
    settings = make_settings(tmp_path)
    build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    return settings


def run_cli(settings, *args):
    return CliRunner().invoke(main, ["search", *args, "--index-dir", settings.index_dir])


def csv_rows(text):
    assert text.startswith("\ufeff"), "Excel needs the byte order mark to read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_cli_csv_holds_every_match_in_rank_order(exported):
    result = run_cli(exported, "청년", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = csv_rows(result.stdout)
    with SearchIndex(exported.index_dir, exported) as index:
        ranked = index.search(SearchRequest(q="청년", size=50))
    assert [row["id"] for row in rows] == [hit.id for hit in ranked.hits]
    assert len(rows) == ranked.total == 8
    assert list(rows[0]) == list(COLUMNS)
    assert [int(row["rank"]) for row in rows] == list(range(1, 9))
    comma = next(row for row in rows if row["id"] == "comma")
    assert comma["title"] == '청년, "따옴표"와 쉼표' and comma["department"] == "청년정책담당관"
    assert next(row for row in rows if row["id"] == "p-0")["category"] == "주거; 청년"


def test_a_cell_that_excel_would_run_as_a_formula_is_kept_as_text(exported):
    rows = csv_rows(run_cli(exported, "수식처럼", "--format", "csv").stdout)
    assert rows[0]["title"].startswith("'=HYPERLINK(")


@pytest.mark.parametrize(
    "value, cell",
    [
        ("-5", "-5"),
        ("+3.5", "+3.5"),
        ("-12%", "-12%"),
        ("+82-2-120", "'+82-2-120"),  # Excel would compute -40
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("2018", "2018"),
        (["-5", "주거"], "'-5; 주거"),  # not a number: Excel would fail on it
    ],
)
def test_a_plain_number_is_not_marked_as_text_but_any_other_formula_is(value, cell):
    assert csv_cell(value) == cell


def test_cli_json_lines_one_object_per_match(exported):
    result = run_cli(exported, "청년", "--format", "jsonl", "--sort", "newest")
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(objects) == 8 and set(objects[0]) == set(COLUMNS)
    dated = [o["date"] for o in objects if o["date"]]
    assert dated == sorted(dated, reverse=True) and objects[0]["id"] == "p-5"


def test_an_export_past_the_cap_says_how_many_were_left_out(exported):
    capped = dataclasses.replace(exported, export_max_rows=3)
    with SearchIndex(capped.index_dir, capped) as index:
        result = index.export(SearchRequest(q="청년"))
    assert (len(result.hits), result.total) == (3, 8)
    env = {"POLICYSEARCH_EXPORT_MAX_ROWS": "3"}
    cli = CliRunner().invoke(
        main, ["search", "청년", "--format", "csv", "--index-dir", exported.index_dir], env=env
    )
    assert len(csv_rows(cli.stdout)) == 3
    assert "best 3 of 8" in cli.stderr


@pytest.fixture(scope="module")
def client(exported):
    return create_app({"SETTINGS": exported, "TESTING": True}).test_client()


def test_the_api_streams_a_csv_file_named_after_the_query(client):
    response = client.get("/api/export.csv?q=청년&category=주거")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("UTF-8''")[1]) == "policysearch-청년.csv"
    rows = csv_rows(response.get_data().decode("utf-8"))
    assert len(rows) == int(response.headers["X-Total-Count"]) == 6
    # The test client's Host, localhost, is trusted by default: absolute addresses.
    assert all(row["doc_url"].startswith("http://localhost/doc/") for row in rows)


def test_the_api_refuses_an_unknown_format_and_a_bad_request(client):
    assert client.get("/api/export.xlsx?q=청년").status_code == 404
    assert client.get("/api/export.csv?q=청년&from=2021-13").status_code == 400


def test_the_results_page_links_to_the_exports_and_the_feed(client):
    page = client.get("/?q=청년&category=주거").get_data(as_text=True)
    links = {unquote(link).replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', page)}
    assert any(link.startswith("/api/export.csv?") and "category=주거" in link for link in links)
    assert any(link.startswith("/subscribe?") and "q=청년" in link for link in links)
    assert 'rel="alternate" type="application/atom+xml"' in page


@pytest.mark.parametrize("hl, words", [("ko", "피드 리더"), ("en", "feed reader")])
def test_the_feed_link_opens_a_page_that_says_how_to_subscribe(client, hl, words):
    page = client.get(f"/subscribe?q=청년&category=주거&hl={hl}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert words in text
    address = re.search(r'class="doc-link" type="url" readonly value="([^"]+)"', text).group(1)
    address = address.replace("&amp;", "&")
    assert address.startswith("http://localhost/feed.atom?")  # the trusted test Host
    path = address.removeprefix("http://localhost")
    assert "category=" in path and "q=" in path
    feed = feedparser.parse(client.get(path).get_data())
    assert not feed.bozo and feed.entries
    assert {entry.author for entry in feed.entries} <= {"주택정책과", "청년정책담당관"}


def test_the_feed_is_valid_atom_newest_first(client):
    response = client.get("/feed.atom?q=청년&hl=ko")
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and "청년" in feed.feed.title
    assert feed.feed.id.startswith("urn:uuid:") and feed.feed.updated
    ids = [entry.id for entry in feed.entries]
    assert len(ids) == len(set(ids)) == 8
    # Newest first; the undated document last, "updated" when the index was.
    assert ids[-1] == feed.entries[-1].id and feed.entries[-1].title.startswith("청년, ")
    dates = [entry.updated for entry in feed.entries[:-1]]
    assert dates == sorted(dates, reverse=True)
    assert feed.entries[-1].updated >= dates[0] and feed.feed.updated == feed.entries[-1].updated
    first = feed.entries[0]
    assert first.title == "청년 월세 지원 5차" and first.link.startswith("http://localhost/doc/p-5")
    categories = {t.term for t in first.tags if not t.get("scheme")}
    assert first.author == "주택정책과" and categories == {"주거", "청년"}
    # Each entry says why it was found, as a category of the reasons' scheme.
    reasons = [t for t in first.tags if t.get("scheme") == "urn:policysearch:reason"]
    assert [(t.term, t.label) for t in reasons] == [("all_words", "all words")]
    # The same search, polled again, keeps its ids: a reader shows nothing twice.
    again = feedparser.parse(client.get("/feed.atom?q=청년&hl=en").get_data())
    assert again.feed.id == feed.feed.id and [e.id for e in again.entries] == ids


def test_a_document_page_offers_a_citation_and_its_link(client):
    page = client.get("/doc/p-2?q=청년&hl=ko").get_data(as_text=True)
    citation = re.search(r'<span class="citation">([^<]+)</span>', page).group(1)
    link = "http://localhost/doc/p-2"  # the test client's Host, trusted by default
    assert citation.startswith(f"주택정책과, 「청년 월세 지원 2차」, 2021-03-15. {link} (검색일: ")
    assert f'class="doc-link" type="url" readonly value="{link}"' in page
    english = client.get("/doc/comma?hl=en").get_data(as_text=True)
    assert (
        "청년정책담당관. &#34;청년, &#34;따옴표&#34;와 쉼표.&#34; n.d. http://localhost/doc/comma"
        in english
    )


def test_the_feeds_page_link_sorts_newest_once_whatever_the_search_sorted_by(client):
    feed = feedparser.parse(client.get("/feed.atom?q=청년&sort=relevance").get_data())
    page = next(link.href for link in feed.feed.links if link.rel == "alternate")
    assert [v for k, v in parse_qsl(urlsplit(page).query) if k == "sort"] == ["newest"]
    again = feedparser.parse(client.get("/feed.atom?q=청년&sort=oldest&hl=en").get_data())
    assert again.feed.id == feed.feed.id


@pytest.mark.parametrize("q", ["청년", "청년\x01", "청년\uffff", "\ufffe"])
def test_the_feed_is_xml_whatever_the_query_and_the_documents_hold(tmp_path, q):
    from xml.etree import ElementTree

    settings = make_settings(tmp_path)
    records = [
        {
            "id": "odd-1",
            "title": "청년 \ufffe 정책 \uffff",
            "body": "청년 지원 \ufffe 본문",
            "department": "청년\uffff과",
            "category": ["주거\ufffe"],
            "date": "2024-01-02",
        },
    ]
    write_jsonl(tmp_path / "c" / "d.jsonl", records)
    build_index(read_corpus(tmp_path / "c").documents, settings.index_dir, settings)
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    body = client.get("/feed.atom", query_string={"q": q}).get_data()
    ElementTree.fromstring(body)  # raises on a character XML cannot hold
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    if q.startswith("청년"):
        # Removed when indexed (and by the feed's own cleaner from an older index).
        assert feed.entries[0].title == "청년 정책" and feed.entries[0].author == "청년과"
