"""The operator's commands without traps: reindex never creates an index, a PATH keeps
the mapping it was indexed with, shipped mappings are recognised by the files' columns,
a dry run lists the plan the guard refuses, --json answers with one object on success and
on error, and messages name what the user typed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import EXIT_FAILURE, EXIT_REFUSED, main
from indexer.reading.recognise import mapping_for_corpus
from searchweb import create_app

from .conftest import make_settings, write_jsonl


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYSEARCH_CONFIG", raising=False)
    index_dir = str(tmp_path / "index")

    def invoke(*args: str, index_dir: str = index_dir):
        # click 8.2+: stdout and stderr apart (result.stdout, result.stderr)
        return CliRunner().invoke(main, [*args, "--index-dir", index_dir], catch_exceptions=False)

    return invoke


def records(count: int, prefix: str = "doc") -> list[dict]:
    return [
        {"id": f"{prefix}-{n}", "title": f"청년 정책 {n}", "body": f"서울시 청년 지원 {n}번 사업"}
        for n in range(count)
    ]


def welfare_records() -> list[dict]:
    return [
        {
            "id": f"welfare-{n}",
            "title": f"아동 돌봄 서비스 {n}",
            "body": "아이를 돌보는 가정에 돌봄 비용을 지원합니다.",
            "category": "보육",
            "tags": ["돌봄"],
            "bokjiro_url": "https://www.bokjiro.go.kr/",
        }
        for n in range(3)
    ]


def test_reindex_without_an_index_is_an_error_naming_the_directory(run, tmp_path):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(3)).parent
    typo = str(tmp_path / "indx")
    result = run("reindex", str(corpus), index_dir=typo)
    assert result.exit_code == EXIT_FAILURE
    assert f"no index in {typo}" in result.stderr.lower() and "policysearch index" in result.stderr
    assert not Path(typo).exists() or not any(Path(typo).iterdir())
    answer = json.loads(run("reindex", str(corpus), "--json", index_dir=typo).stdout)
    assert answer["error"]["code"] == "no_index" and answer["exit_status"] == EXIT_FAILURE


def test_reindex_reads_a_path_with_the_mapping_it_was_indexed_with(run, tmp_path):
    corpus = write_jsonl(
        tmp_path / "w4" / "programs.jsonl",
        [{"key": f"p-{n}", "name": f"예산 사업 {n}", "text": "공원 조성 사업"} for n in range(4)],
    ).parent
    mapping = tmp_path / "budget.toml"
    mapping.write_text(
        'name = "budget"\n[[files]]\nglob = "*.jsonl"\n[files.fields]\nid = "key"\n'
        'title = "name"\nbody = ["text"]\n[files.constants]\nsource = "예산서"\n',
        encoding="utf-8",
    )
    assert run("index", str(corpus), "--mapping", str(mapping)).exit_code == 0
    again = run("reindex", str(corpus))
    assert again.exit_code == 0, again.stderr
    assert "updated 0" in again.stdout and "unchanged 4" in again.stdout
    found = json.loads(run("search", "공원", "--json").stdout)
    assert {hit["source"] for hit in found["hits"]} == {"예산서"}


def test_a_different_mapping_for_an_indexed_path_is_said(run, tmp_path):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(3)).parent
    run("index", str(corpus))
    mapping = tmp_path / "other.toml"
    mapping.write_text(
        'name = "other"\n[[files]]\nglob = "*.jsonl"\n[files.fields]\nid = "id"\ntitle = "title"\n'
        'body = ["body"]\n[files.constants]\nsource = "다른 출처"\n',
        encoding="utf-8",
    )
    result = run("reindex", str(corpus), "--mapping", str(mapping), "-q")
    assert "was indexed with the mapping 'common field names'" in result.stderr
    assert "updated 3" in result.stdout


def test_a_shipped_mapping_is_recognised_by_the_columns_not_the_folder_name(run, tmp_path):
    copy = tmp_path / "kw2"
    write_jsonl(copy / "welfare_services_01.jsonl", welfare_records())
    (copy / "url_table.csv").write_text("id,url\nwelfare-0,https://x\n", encoding="utf-8")
    (copy / "program_tags_metadata.json").write_text('{"tags": ["돌봄"]}', encoding="utf-8")
    assert mapping_for_corpus(copy) == "kr-welfare-services"
    assert mapping_for_corpus(copy / "welfare_services_01.jsonl") == "kr-welfare-services"
    result = run("index", str(copy))
    assert result.exit_code == 0, result.stderr
    assert "Indexed 3 documents" in result.stdout and "Rejected" not in result.stderr
    found = json.loads(run("search", "돌봄", "--json").stdout)
    assert {hit["department"] for hit in found["hits"]} == {"보건복지부"}


def test_a_folder_named_like_a_dataset_but_holding_other_files_gets_common_names(tmp_path):
    folder = write_jsonl(tmp_path / "kr-welfare-services" / "notes.jsonl", records(2)).parent
    assert mapping_for_corpus(folder) is None
    # The dataset's file name with other columns is not the dataset either.
    other = write_jsonl(tmp_path / "x" / "welfare_services_01.jsonl", [{"name": "a"}]).parent
    assert mapping_for_corpus(other) is None


def test_a_dry_run_lists_the_plan_the_guard_refuses(run, tmp_path):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(10)).parent
    run("index", str(corpus))
    write_jsonl(corpus / "a.jsonl", records(2))
    refused = run("reindex", str(corpus), "--dry-run")
    assert refused.exit_code == EXIT_REFUSED
    assert "would delete: doc-2, doc-3" in refused.stderr and "Refused" in refused.stderr
    answer = json.loads(run("reindex", str(corpus), "--dry-run", "--json").stdout)
    assert answer["refused"] == "deletes_refused"
    assert answer["changes"]["deleted"] == 8 and answer["documents_in_index"] == 10


@pytest.mark.parametrize(
    "args, code",
    [
        (("index", "/no/such/folder", "--json"), "corpus"),
        (("stats", "--json"), "no_index"),
        (("search", "청년", "--json"), "no_index"),
        (("index", "--mapping", "nope", "--json"), "config"),
    ],
)
def test_json_errors_are_one_object_with_a_stable_code(run, args, code):
    result = run(*args)
    assert result.exit_code == EXIT_FAILURE
    answer = json.loads(result.stdout)
    assert answer["error"]["code"] == code and answer["error"]["message"]
    assert answer["command"] == args[0] and answer["exit_status"] == EXIT_FAILURE
    assert "Error" not in answer["error"]["code"]


def test_a_search_error_names_the_option_the_user_typed(run, tmp_path):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(2)).parent
    run("index", str(corpus))
    result = run("search", "청년", "--from", "2018-13")
    assert result.exit_code == EXIT_FAILURE
    assert "--from must look like" in result.stderr and "date_from" not in result.stderr
    answer = json.loads(run("search", "청년", "--to", "어제", "--json").stdout)
    assert answer["error"]["params"]["name"] == "--to"


def test_an_api_error_names_the_parameter_the_user_typed(tmp_path):
    settings = make_settings(tmp_path)
    write_jsonl(tmp_path / "c" / "a.jsonl", records(2))
    from indexer import build_index, read_corpus

    build_index(read_corpus(tmp_path / "c").documents, settings.index_dir, settings)
    client = create_app({"SETTINGS": settings, "TESTING": True}).test_client()
    answer = client.get("/api/search?q=청년&from=2018-13&hl=en")
    assert answer.status_code == 400
    assert answer.json["params"]["name"] == "from"
    assert answer.json["error"].startswith("from must look like")
    korean = client.get("/api/search?q=청년&to=어제&hl=ko").json
    assert korean["params"]["name"] == "to" and "date_to" not in korean["error"]


def test_notes_about_a_corpus_are_skipped_by_name_and_read_when_named_as_the_path(run, tmp_path):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(2)).parent
    for name in ("README.md", "NOTICE.txt", "changelog.md", "LICENSE"):
        (corpus / name).write_text("# 안내\n\n이 자료의 출처와 이용 조건", encoding="utf-8")
    (corpus / "notice-2024.md").write_text("# 2024년 공지\n\n청년 정책 공지", encoding="utf-8")
    result = run("index", str(corpus))
    assert "Indexed 3 documents" in result.stdout
    assert "(LICENSE, NOTICE.txt, README.md, changelog.md)." in result.stderr
    alone = run("index", str(corpus / "NOTICE.txt"), index_dir=str(tmp_path / "other"))
    assert alone.exit_code == 0, alone.stderr
    assert "Indexed 1 document into" in alone.stdout
    assert "Read 1 document from 1 file in" in alone.stderr


def test_stats_show_every_recorded_source_after_a_reindex_of_one(run, tmp_path):
    first = write_jsonl(tmp_path / "one" / "a.jsonl", records(2, "one")).parent
    second = write_jsonl(tmp_path / "two" / "b.jsonl", records(3, "two")).parent
    run("index", str(first), str(second))
    write_jsonl(second / "b.jsonl", records(4, "two"))
    assert run("reindex", str(second)).exit_code == 0
    text = run("stats").stdout
    assert f"Sources:    {first.resolve()} (mapping: common field names)" in text
    assert f"            {second.resolve()} (mapping: common field names)" in text
    data = json.loads(run("stats", "--json").stdout)
    assert [s["path"] for s in data["sources"]] == [str(first.resolve()), str(second.resolve())]
    assert data["corpus"] == f"{first.resolve()} {second.resolve()}"
