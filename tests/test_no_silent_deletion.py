"""Operators never lose documents: reindex reads the recorded sources, deletes only
within the sources it read, refuses large deletions, keeps what a rejected file held,
and never switches to an empty index."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from indexer import SearchIndex, SearchRequest
from indexer.cli import EXIT_FAILURE, EXIT_PARTIAL, EXIT_REFUSED, main

from .conftest import PROJECT_ROOT, make_settings, write_jsonl


def records(prefix: str, count: int, title: str = "도시 정책") -> list[dict]:
    return [
        {"id": f"{prefix}-{i}", "title": f"{title} {i}", "body": f"{prefix} 사업 설명 {i}"}
        for i in range(count)
    ]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYSEARCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # the shipped corpus must never be what a reindex reads
    index_dir = str(tmp_path / "op-index")

    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--index-dir", index_dir], catch_exceptions=False)

    invoke.index_dir = index_dir
    return invoke


def indexed_ids(tmp_path, index_dir: str) -> set[str]:
    settings = make_settings(tmp_path, index_dir=index_dir)
    index = SearchIndex(index_dir, settings)
    try:
        return {d.id for d in index.documents()}
    finally:
        index.close()


def test_reindex_without_a_path_reindexes_the_recorded_sources(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 21)).parent
    assert cli("index", str(exports)).exit_code == 0
    (exports / "a.jsonl").write_text(
        (exports / "a.jsonl").read_text(encoding="utf-8")
        + json.dumps({"id": "a-new", "title": "새 정책", "body": "본문"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    result = cli("reindex")
    assert result.exit_code == 0, result.output
    assert "Added 1, updated 0, deleted 0" in result.output
    assert str(exports.resolve()) in result.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 22


def test_reindex_of_one_source_never_deletes_the_other_sources(cli, tmp_path):
    first = write_jsonl(tmp_path / "one" / "a.jsonl", records("a", 10)).parent
    second = write_jsonl(tmp_path / "two" / "b.jsonl", records("b", 30)).parent
    assert cli("index", str(first), str(second)).exit_code == 0
    result = cli("reindex", str(first))
    assert result.exit_code == 0, result.output
    assert "deleted 0" in result.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 40
    # Vanished documents of the source that was read do go.
    write_jsonl(first / "a.jsonl", records("a", 8))
    result = cli("reindex", str(first))
    assert "deleted 2" in result.output, result.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 38


def test_a_large_deletion_is_refused_then_dry_run_then_allowed(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 20)).parent
    assert cli("index", str(exports)).exit_code == 0
    write_jsonl(exports / "a.jsonl", records("a", 10))  # a truncated export
    refused = cli("reindex", str(exports))
    assert refused.exit_code == EXIT_REFUSED
    assert "Refused: this would delete 10 of the 20 documents in the index (50%" in refused.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 20
    dry = cli("reindex", str(exports), "--dry-run", "--allow-deletes")
    assert dry.exit_code == 0
    assert "Dry run: would have added 0, updated 0, deleted 10" in dry.output
    assert "would delete: a-10, a-11," in dry.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 20
    allowed = cli("reindex", str(exports), "--allow-deletes")
    assert allowed.exit_code == 0 and "deleted 10" in allowed.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 10


def test_a_full_build_of_a_truncated_export_is_refused(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 20)).parent
    assert cli("index", str(exports)).exit_code == 0
    write_jsonl(exports / "a.jsonl", records("a", 5))
    refused = cli("index", str(exports))
    assert refused.exit_code == EXIT_REFUSED
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 20


@pytest.mark.parametrize("command", ["index", "reindex"])
def test_an_export_whose_every_record_is_rejected_changes_nothing(cli, tmp_path, command):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 20)).parent
    assert cli("index", str(exports)).exit_code == 0
    (exports / "a.jsonl").write_text('{"id": "a-0", "title": "잘린\n' * 20, encoding="utf-8")
    result = cli(command, str(exports))
    assert result.exit_code == EXIT_FAILURE
    assert "Nothing usable was read" in result.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 20


def test_documents_of_a_file_rejected_during_reindex_are_kept(cli, tmp_path):
    exports = tmp_path / "exports"
    write_jsonl(exports / "a.jsonl", records("a", 10))
    write_jsonl(exports / "b.jsonl", records("b", 10))
    assert cli("index", str(exports)).exit_code == 0
    (exports / "b.jsonl").write_bytes("본문".encode("utf-16-le") * 3 + b"\xff\xfe\x00garbage")
    result = cli("reindex", str(exports))
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "deleted 0, kept 10" in result.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 20
    # A full build keeps them too, carried over from the serving index.
    rebuilt = cli("index", str(exports))
    assert rebuilt.exit_code == EXIT_PARTIAL, rebuilt.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 20


def test_a_record_deleted_beside_a_broken_line_is_deleted_and_the_broken_one_kept(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 10)).parent
    assert cli("index", str(exports)).exit_code == 0
    lines = (exports / "a.jsonl").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3][: lines[3].index("정책")]  # a-3 cut mid-title: its id still shows
    del lines[5]  # a-5 deleted on purpose
    (exports / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("reindex", str(exports))
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "deleted 1, kept 1 (rejected this time)" in result.output
    assert "a.jsonl record 4: invalid JSON: Unterminated string starting at column" in result.output
    assert indexed_ids(tmp_path, cli.index_dir) == {f"a-{n}" for n in range(10)} - {"a-5"}


def test_a_broken_line_whose_id_cannot_be_read_keeps_its_whole_file(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 10)).parent
    assert cli("index", str(exports)).exit_code == 0
    lines = (exports / "a.jsonl").read_text(encoding="utf-8").splitlines()
    lines[3] = '{"title": "잘린'  # no id before the break: which document it was is unknown
    del lines[5]
    (exports / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("reindex", str(exports))
    assert "deleted 0, kept 2" in result.output
    assert len(indexed_ids(tmp_path, cli.index_dir)) == 10


def test_index_without_a_path_rebuilds_the_recorded_sources(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 12)).parent
    assert cli("index", str(exports)).exit_code == 0
    result = cli("index")
    assert result.exit_code == 0, result.output
    assert "Indexed 12 documents" in result.output


def test_a_changed_user_dictionary_makes_reindex_ask_for_a_full_build(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYSEARCH_CONFIG", raising=False)
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 5)).parent
    dictionary = tmp_path / "userdic.txt"
    dictionary.write_text("따릉이\n", encoding="utf-8")
    index_dir = str(tmp_path / "ix")
    base = ["--index-dir", index_dir]
    environment = {"POLICYSEARCH_USER_DICTIONARY": str(dictionary)}
    runner = CliRunner(env=environment)
    assert runner.invoke(main, ["index", str(exports), *base]).exit_code == 0
    dictionary.write_text("따릉이\n공공자전거\n", encoding="utf-8")
    result = runner.invoke(main, ["reindex", str(exports), *base])
    assert result.exit_code == EXIT_FAILURE
    assert "The user dictionary changed" in result.output
    assert "Traceback" not in result.output


def test_json_summary_and_skipped_files_by_extension(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 3)).parent
    for name in ("logo.png", "map.png", "data.zip"):
        (exports / name).write_bytes(b"\x00")
    text = cli("index", str(exports))
    assert "Skipped 3 files that are not documents (data.zip, logo.png, map.png)." in text.output
    result = cli("reindex", str(exports), "--json")
    summary = json.loads(result.stdout)
    assert summary["changes"] == {
        "added": 0,
        "updated": 0,
        "deleted": 0,
        "kept": 0,
        "unchanged": 3,
        "indexed_before": 3,
    }
    assert summary["skipped"] == {".png": 2, ".zip": 1}
    assert summary["exit_status"] == 0 and summary["documents_in_index"] == 3


def test_progress_lines_are_printed_without_a_terminal(tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 300)).parent
    script = (
        "import indexer.cli as c, indexer.cli.progress as p; p.Progress.LINE_EVERY_S = 0.0; "
        "c.main(['index', %r, '--index-dir', %r])" % (str(exports), str(tmp_path / "ix"))
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert completed.returncode == 0, completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.startswith("Indexing: ")]
    assert lines and "of 300 documents" in lines[-1] and "/s, about" in lines[-1]


def test_serve_on_a_missing_index_directory_names_it(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchweb.cli",
            "serve",
            "--index-dir",
            str(tmp_path / "typo"),
            "--port",
            "8791",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert completed.returncode == 1
    assert f"No index in {tmp_path / 'typo'}" in completed.stderr
    assert not (tmp_path / "typo").exists()


def test_search_after_reindex_finds_the_new_document(cli, tmp_path):
    exports = write_jsonl(tmp_path / "exports" / "a.jsonl", records("a", 5)).parent
    assert cli("index", str(exports)).exit_code == 0
    write_jsonl(exports / "b.jsonl", [{"id": "b-1", "title": "따릉이 확대", "body": "공공자전거"}])
    assert cli("reindex").exit_code == 0
    settings = make_settings(tmp_path, index_dir=cli.index_dir)
    index = SearchIndex(cli.index_dir, settings)
    try:
        assert [h.id for h in index.search(SearchRequest(q="따릉이")).hits] == ["b-1"]
    finally:
        index.close()
