"""What a client controls cannot steer the answers: a forged Host is never echoed, ids
with dot segments get links that reach them, every /api/ error is JSON (405 with
Allow), and the API refuses what its OpenAPI description does not allow."""

from __future__ import annotations

import dataclasses
import http.client
from urllib.parse import quote, urlsplit

import pytest

from indexer import build_index, load_settings, read_corpus
from indexer.config import ConfigError
from searchweb import create_app

from .conftest import make_settings, running_server, write_jsonl

FORGED = "evil.example"
DOT_IDS = ["..", ".", "a/../b", "x/./y", "../../etc/passwd"]


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("untrusted")
    records = [
        {
            "id": doc_id,
            "title": f"청년 주거 지원 {number}",
            "body": f"서울시 청년 월세 지원 정책 {number}",
            "category": ["주거"],
        }
        for number, doc_id in enumerate(DOT_IDS + ["plain-1", "slash/ok"])
    ]
    write_jsonl(tmp_path / "corpus" / "docs.jsonl", records)
    settings = make_settings(tmp_path, api_requests_per_minute=0)
    build_index(read_corpus(tmp_path / "corpus").documents, settings.index_dir, settings)
    return settings


@pytest.fixture(scope="module")
def client(settings):
    return create_app({"SETTINGS": settings, "TESTING": True}).test_client()


PATHS = [
    "/",
    "/?q=청년",
    "/embed?q=청년",
    "/opensearch.xml",
    "/api/openapi.json",
    "/api/search?q=청년",
    "/api/suggest?q=청",
    "/doc/plain-1?q=청년",
    "/api/doc/plain-1",
    "/embed.js",
    "/nowhere",
    "/api/nowhere",
]


def test_a_forged_host_never_appears_in_any_response(settings):
    with running_server(settings.index_dir) as base:
        parts = urlsplit(base)
        for path in PATHS:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.putrequest("GET", quote(path, safe="/?=&"), skip_host=True)
            connection.putheader("Host", FORGED)
            connection.putheader("X-Forwarded-Host", FORGED)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status in (200, 404), path
            assert FORGED.encode() not in body, path
            assert not any(FORGED in value for _, value in response.getheaders()), path


def test_absolute_links_come_from_public_url(settings):
    public = dataclasses.replace(settings, public_url="https://search.example.go.kr/")
    client = create_app({"SETTINGS": public, "TESTING": True}).test_client()
    xml = client.get("/opensearch.xml", headers={"Host": FORGED}).get_data(as_text=True)
    assert 'template="https://search.example.go.kr/?q={searchTerms}"' in xml
    spec = client.get("/api/openapi.json", headers={"Host": FORGED}).get_json()
    assert spec["servers"] == [{"url": "https://search.example.go.kr"}]


def test_without_public_url_an_untrusted_host_gets_relative_links(client):
    untrusted = {"Host": "search.example.org"}
    spec = client.get("/api/openapi.json", headers=untrusted)
    assert spec.get_json()["servers"] == [{"url": "/"}]
    xml = client.get("/opensearch.xml", headers=untrusted).get_data(as_text=True)
    assert 'template="/?q={searchTerms}"' in xml
    assert "Host" in spec.headers["Vary"]  # a cache keys these answers on the Host


def test_without_public_url_a_trusted_host_gets_absolute_links(settings):
    trusting = dataclasses.replace(settings, trusted_hosts="search.example.org, [::1]")
    client = create_app({"SETTINGS": trusting, "TESTING": True}).test_client()
    for host, base in (
        ("search.example.org:8080", "http://search.example.org:8080"),
        ("SEARCH.example.org", "http://search.example.org"),
        ("[::1]:5000", "http://[::1]:5000"),
    ):
        xml = client.get("/opensearch.xml", headers={"Host": host}).get_data(as_text=True)
        assert f'template="{base}/?q={{searchTerms}}"' in xml, host
        feed = client.get("/feed.atom", headers={"Host": host}).get_data(as_text=True)
        assert f'xml:base="{base}/"' in feed, host
    # A name that only starts like a trusted one is not trusted.
    xml = client.get("/opensearch.xml", headers={"Host": "search.example.org.evil"})
    assert 'template="/?q={searchTerms}"' in xml.get_data(as_text=True)


@pytest.mark.parametrize("listed", ["search.example.org/path", "a b", "http://x"])
def test_trusted_hosts_must_be_host_names(listed):
    with pytest.raises(ConfigError, match="trusted_hosts"):
        load_settings(None, environ={}, trusted_hosts=listed)


@pytest.mark.parametrize("doc_id", DOT_IDS)
def test_ids_with_dot_segments_get_links_that_reach_them(client, doc_id):
    hits = client.get("/api/search?q=청년&size=20").get_json()["hits"]
    doc_url = next(hit["doc_url"] for hit in hits if hit["id"] == doc_id)
    assert doc_url.startswith("/doc?id=")
    page = client.get(doc_url + "&q=청년")
    assert page.status_code == 200 and f"<code>{doc_id}</code>" in page.get_data(as_text=True)
    assert client.get(doc_url.replace("/doc?", "/api/doc?")).get_json()["id"] == doc_id
    # The search page links the same way.
    assert doc_url in client.get("/?q=청년&size=20").get_data(as_text=True).replace("&amp;", "&")


def test_ordinary_ids_keep_path_links(client):
    hits = {
        hit["id"]: hit["doc_url"]
        for hit in client.get("/api/search?q=청년&size=20").get_json()["hits"]
    }
    assert hits["plain-1"] == "/doc/plain-1"
    assert hits["slash/ok"] == "/doc/slash%2Fok"
    assert client.get(hits["slash/ok"]).status_code == 200


def test_method_not_allowed_is_json_with_allow(client):
    response = client.post("/api/search")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET"}


@pytest.mark.parametrize(
    "query, message",
    [
        ("size=0", "size must be between 1"),
        ("facet_size=0", "facet_size must be between 1"),
        ("from=2022-13-45", "from must look like"),
        ("to=2022-02-32", "to must look like"),
        ("size=", "size must be a whole number"),
        ("from=", "from must look like"),
        ("raw=yes", "raw must be 1 or 0"),
        ("sort=", "Unknown sort"),
        ("translations=", "Unknown translations"),
        ("category=", "category needs a value"),
    ],
)
def test_the_api_refuses_what_its_description_does_not_allow(client, query, message):
    response = client.get(f"/api/search?q=청년&{query}")
    assert response.status_code == 400, query
    assert message in response.get_json()["error"]


def test_pages_treat_empty_form_fields_as_absent(client):
    assert client.get("/?q=청년&size=&from=&to=&sort=").status_code == 200
