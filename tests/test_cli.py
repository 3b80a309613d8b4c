"""The policysearch command: output, exit statuses, and one-line errors for user mistakes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer.cli import EXIT_FAILURE, EXIT_PARTIAL, main
from indexer.fields import FACET_FIELDS, HIT_FIELDS

from .conftest import write_jsonl


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYSEARCH_CONFIG", raising=False)
    index_dir = str(tmp_path / "index")

    def invoke(*args: str, with_index_dir: bool = True):
        extra = ["--index-dir", index_dir] if with_index_dir else []
        result = CliRunner().invoke(main, [*args, *extra], catch_exceptions=False)
        return result

    return invoke


def assert_no_traceback(result):
    assert "Traceback" not in result.output


def test_index_the_shipped_corpus_by_default_and_search_it(run):
    indexed = run("index")
    assert indexed.exit_code == 0, indexed.output
    assert "Indexed 8 documents" in indexed.output
    found = run("search", "공유도시")
    assert found.exit_code == 0
    assert "공유도시(Sharing City) 서울은?" in found.output
    assert "seoulsolution-037" in found.output


def test_search_json_output_is_the_whole_result(run, small_corpus):
    run("index", str(small_corpus))
    result = run("search", "아리수", "--json")
    data = json.loads(result.output)
    assert data["total"] == 1 and data["hits"][0]["id"] == "water-1"
    assert [f["name"] for f in data["facets"]] == list(FACET_FIELDS)
    # One hit shape: the API's (tests/test_api.py checks it against the OpenAPI schema).
    hit = data["hits"][0]
    assert set(hit) == {
        "id",
        "doc_url",
        "title",
        "title_html",
        "title_spans",
        "snippet",
        "snippet_html",
        "snippet_spans",
        "score",
        "tier",
        "reasons",
        *HIT_FIELDS,
    }
    assert hit["tier"] == "match" and [r["code"] for r in hit["reasons"]] == ["all_words"]
    assert hit["doc_url"] == "/doc/water-1" and hit["title_spans"]


def test_search_filters_and_limit(run, small_corpus):
    run("index", str(small_corpus))
    result = run("search", "", "--category", "교통", "--category", "복지", "--json", "--limit", "1")
    data = json.loads(result.output)
    assert data["total"] == 2 and len(data["hits"]) == 1


def test_partial_success_lists_rejections_and_exits_3(run, tmp_path):
    corpus = tmp_path / "c"
    write_jsonl(corpus / "a.jsonl", [{"id": "a", "title": "제목", "body": "본문"}])
    (corpus / "b.jsonl").write_text('{"id": "b", "title": \n', encoding="utf-8")
    report = tmp_path / "report.json"
    result = run("index", str(corpus), "--report", str(report))
    assert result.exit_code == EXIT_PARTIAL
    assert "Rejected 1" in result.output and "b.jsonl record 1: invalid JSON" in result.output
    assert json.loads(report.read_text())["rejections"][0]["path"] == "b.jsonl"


def test_nothing_indexable_exits_1(run, tmp_path):
    corpus = tmp_path / "c"
    write_jsonl(corpus / "a.jsonl", [{"id": "a", "title": "", "body": ""}])
    result = run("index", str(corpus))
    assert result.exit_code == EXIT_FAILURE
    assert "Nothing usable was read" in result.output


def test_reindex_prints_the_counts(run, small_corpus):
    run("index", str(small_corpus))
    result = run("reindex", str(small_corpus))
    assert result.exit_code == 0
    assert "Added 0, updated 0, deleted 0, unchanged 5" in result.output


def test_stats_show_documents_facets_and_analyzer(run, small_corpus):
    run("index", str(small_corpus))
    result = run("stats")
    assert "Documents:  5" in result.output
    assert "Mecab" in result.output and "도시계획 2" in result.output
    data = json.loads(run("stats", "--json").output)
    assert data["documents"] == 5 and data["tagger"] == "mecab" and data["size_bytes"] > 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("search", "아리수"), "No index in"),
        (("index", "/no/such/folder"), "does not exist"),
        (("index", "--mapping", "nope"), "No mapping named 'nope'"),
        (("stats",), "Build one with: policysearch index"),
    ],
)
def test_user_mistakes_get_one_line_and_no_traceback(run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert_no_traceback(result)


def test_bad_search_options_get_a_message(run, small_corpus):
    run("index", str(small_corpus))
    for args, message in (
        (("--page", "0"), "--page must be between"),
        (("--from", "last week"), "--from must look like"),
    ):
        result = run("search", "아리수", *args)
        assert result.exit_code == 1 and message in result.output
        assert_no_traceback(result)


def test_bad_config_file_is_explained(run, tmp_path):
    config = tmp_path / "policysearch.toml"
    config.write_text('tagger = "kiwi"\n', encoding="utf-8")
    result = run("stats", "--config", str(config))
    assert result.exit_code == 1 and "Unknown tagger 'kiwi'" in result.output
