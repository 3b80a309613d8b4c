"""The JSON API: results, facets, errors, CORS, and the OpenAPI description against real responses."""

from __future__ import annotations

import re

import jsonschema
import pytest

from searchweb import create_app


@pytest.fixture(scope="module")
def app(backend_settings):
    return create_app({"SETTINGS": backend_settings, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def openapi(app):
    return app.test_client().get("/api/openapi.json").get_json()


def validate(openapi, path, status, body):
    response_spec = openapi["paths"][path]["get"]["responses"][str(status)]
    schema = response_spec["content"]["application/json"]["schema"]
    resolver_schema = {**schema, "components": openapi["components"]}
    jsonschema.validate(body, resolver_schema, cls=jsonschema.Draft202012Validator)


def test_search_returns_hits_facets_and_timing(client, openapi):
    response = client.get("/api/search?q=아리수&size=3")
    data = response.get_json()
    assert response.status_code == 200
    assert data["query"] == "아리수" and data["total"] > 3 and len(data["hits"]) == 3
    assert all(
        "<mark>아리수</mark>" in hit["title_html"] + hit["snippet_html"] for hit in data["hits"]
    )
    assert [f["name"] for f in data["facets"]] == [
        "category",
        "department",
        "kind",
        "year",
        "lang",
        "source",
    ]
    sources = {v["value"] for f in data["facets"] if f["name"] == "source" for v in f["values"]}
    assert "Korean welfare services 2023" in sources or "Seoul budget programs 2018" in sources
    validate(openapi, "/api/search", 200, data)


def test_facet_toggle_urls_add_and_remove_a_filter(client, openapi):
    data = client.get("/api/search?q=지원&size=1").get_json()
    value = data["facets"][0]["values"][0]
    narrowed = client.get(value["toggle_url"]).get_json()
    assert narrowed["total"] == value["count"]
    selected = next(v for v in narrowed["facets"][0]["values"] if v["value"] == value["value"])
    assert selected["selected"] is True
    widened = client.get(selected["toggle_url"]).get_json()
    assert widened["total"] == data["total"]
    validate(openapi, "/api/search", 200, narrowed)


@pytest.mark.parametrize("limit", ["0", "-1", "1000000"])
def test_a_facet_limit_outside_its_description_is_a_400(client, limit):
    answer = client.get(f"/api/facet/category?q=지원&limit={limit}")
    assert answer.status_code == 400 and answer.get_json()["code"] == "out_of_range"
    assert len(client.get("/api/facet/category?q=지원&limit=1").get_json()["values"]) == 1


def test_pages_do_not_overlap_and_date_sort_is_newest_first(client):
    first = client.get("/api/search?q=지원&size=5&page=1").get_json()
    second = client.get("/api/search?q=지원&size=5&page=2").get_json()
    assert first["pages"] == -(-first["total"] // 5)
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    by_date = client.get("/api/search?q=Seoul&sort=date&size=50").get_json()
    # A document with only a year sorts at that year, not after every dated one.
    keys = [h["date"] or h["year"] for h in by_date["hits"]]
    assert len(keys) == 50 and any(h["date"] for h in by_date["hits"])
    assert keys == sorted(keys, reverse=True) and by_date["hits"][0]["score"] is None


@pytest.mark.parametrize(
    "query, message",
    [
        ("page=0", "page must be between"),
        ("size=abc", "size must be a whole number"),
        ("sort=random", "Unknown sort"),
        ("from=tomorrow", "from must look like"),
    ],
)
def test_bad_requests_are_json_400s(client, openapi, query, message):
    response = client.get(f"/api/search?q=x&{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    validate(openapi, "/api/search", 400, response.get_json())


def test_document_and_missing_document(client, openapi):
    data = client.get("/api/doc/welfare-07-292").get_json()
    assert data["title"] == "장애인 활동지원"
    validate(openapi, "/api/doc/{id}", 200, data)
    missing = client.get("/api/doc/nope")
    assert missing.status_code == 404
    validate(openapi, "/api/doc/{id}", 404, missing.get_json())


def test_document_ids_with_a_hash_round_trip(client):
    data = client.get("/api/search?q=공유도시&size=1").get_json()
    assert data["hits"][0]["doc_url"] == "/doc/seoulsolution-037"


def test_suggest_completes_hangul_syllable_prefixes(client, openapi):
    data = client.get("/api/suggest?q=도시재").get_json()
    texts = [s["text"] for s in data["suggestions"]]
    assert "도시재생" in texts
    assert all("도시재" in text for text in texts)
    assert (
        client.get("/api/suggest?q=정책 아리").get_json()["suggestions"][0]["text"] == "정책 아리수"
    )
    validate(openapi, "/api/suggest", 200, data)


def test_cors_allows_reads_from_any_origin_by_default(client):
    response = client.get("/api/search?q=x", headers={"Origin": "https://district.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/search",
        headers={"Origin": "https://district.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS"


def test_cors_allow_list_and_no_writes(policy_index):
    app = create_app({"SETTINGS": policy_index.settings, "CORS_ORIGINS": "https://a.example"})
    client = app.test_client()
    allowed = client.get("/api/search?q=x", headers={"Origin": "https://a.example"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get("/api/search?q=x", headers={"Origin": "https://b.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    post = client.post("/api/search", data={"q": "x"})
    assert post.status_code == 405 and post.get_json()["error"]


def test_snippets_in_the_api_carry_only_mark_tags(client):
    data = client.get('/api/search?q="Metaverse Seoul"&size=5').get_json()
    for hit in data["hits"]:
        for html in (hit["title_html"], hit["snippet_html"]):
            assert re.sub(r"</?mark>", "", html).count("<") == 0


def test_openapi_lists_every_api_route(app, openapi):
    routes = {
        re.sub(r"<(?:path:)?(\w+)>", r"{\1}", rule.rule).replace("{doc_id}", "{id}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"
    }
    assert routes == set(openapi["paths"])


def test_answers_move_to_a_reindexed_index_without_a_restart(tmp_path, small_corpus, settings):
    from indexer import build_index, read_corpus, update_index

    from .conftest import write_jsonl

    build_index(read_corpus(small_corpus).documents, settings.index_dir, settings)
    client = create_app({"SETTINGS": settings}).test_client()
    assert client.get("/api/search?q=대여소").get_json()["total"] == 0
    write_jsonl(
        small_corpus / "more.jsonl",
        [{"id": "bike-2", "title": "따릉이 대여소 확충", "body": "따릉이 대여소를 늘립니다."}],
    )
    update_index(read_corpus(small_corpus).documents, settings.index_dir, settings)
    assert [h["id"] for h in client.get("/api/search?q=대여소").get_json()["hits"]] == ["bike-2"]
    (small_corpus / "more.jsonl").unlink()
    build_index(read_corpus(small_corpus).documents, settings.index_dir, settings)
    assert client.get("/api/search?q=대여소").get_json()["total"] == 0


def test_http_errors_of_the_api_have_one_shape_in_the_language_asked_for(client):
    from indexer.messages import render

    for hl in ("ko", "en"):
        missing = client.get(f"/api/no-such-route?hl={hl}")
        assert missing.status_code == 404
        assert missing.get_json() == {
            "error": render("not_found", hl),
            "code": "not_found",
            "params": {},
            "status": 404,
        }
    posted = client.post("/api/search?hl=ko", data={"q": "x"})
    assert posted.status_code == 405 and posted.get_json()["error"] == render("http_405", "ko")
    assert posted.headers["Allow"]


@pytest.mark.parametrize("allowed", [False, True])
def test_the_description_offers_raw_1_only_where_the_server_answers_it(backend_settings, allowed):
    import dataclasses

    settings = dataclasses.replace(backend_settings, allow_raw_queries=allowed)
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    spec = client.get("/api/openapi.json").get_json()
    parameters = spec["paths"]["/api/search"]["get"]["parameters"]
    raw = next(p for p in parameters if p["name"] == "raw")
    answer = client.get("/api/search?q=청년*&raw=1")
    assert ("1" in raw["schema"]["enum"]) is allowed
    if allowed:
        assert answer.status_code == 200
    else:
        assert answer.status_code == 400 and answer.get_json()["code"] == "raw_off"
        assert "raw_off" in raw["description"]
