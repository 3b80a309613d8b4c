"""A damaged generation is reported in one line and the previous complete one serves;
reindex refuses to build on it; a build that fills the disk is cleaned up."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import SearchIndex, build_index, read_corpus
from indexer.cli import EXIT_FAILURE, main
from indexer.engines.whoosh.generations import CURRENT_FILE, current_generation
from indexer.engines.whoosh.writer import PARALLEL_MIN_DOCUMENTS
from indexer.errors import IndexWriteError

from .conftest import PROJECT_ROOT, free_port, make_settings, wait_for, write_jsonl


def build_two_generations(tmp_path):
    """An index whose previous generation holds 'old-*' and whose current one 'new-*'."""
    settings = make_settings(tmp_path)
    for prefix in ("old", "new"):
        corpus = write_jsonl(
            tmp_path / prefix / "d.jsonl",
            [
                {"id": f"{prefix}-{i}", "title": f"공원 조성 {i}", "body": "동네 공원을 만듭니다."}
                for i in range(5)
            ],
        ).parent
        build_index(
            read_corpus(corpus).documents, settings.index_dir, settings, options=None
        ) if prefix == "old" else _allowing(corpus, settings)
    return settings, current_generation(settings.index_dir)


def _allowing(corpus, settings):
    from indexer.engines.whoosh.writer import WriteOptions

    build_index(
        read_corpus(corpus).documents,
        settings.index_dir,
        settings,
        options=WriteOptions(allow_deletes=True),
    )


def segment_file(generation):
    return max(
        (p for p in generation.iterdir() if p.suffix == ".seg"), key=lambda p: p.stat().st_size
    )


def truncate_segment(generation):
    path = segment_file(generation)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def flip_bytes(generation):
    path = segment_file(generation)
    data = bytearray(path.read_bytes())
    for offset in range(100, 140):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def remove_toc(generation):
    for path in generation.glob("*.toc"):
        path.unlink()


def empty_current(generation):
    (generation.parent / CURRENT_FILE).write_text("", encoding="utf-8")


def current_escapes(generation):
    (generation.parent / CURRENT_FILE).write_text("/\n", encoding="utf-8")


def current_climbs_out(generation):
    (generation.parent / CURRENT_FILE).write_text("../../etc\n", encoding="utf-8")


def garble_meta_file_list(generation):
    meta_path = generation / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["files"] = {name: "garbled" for name in meta["files"]}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")


DAMAGE = [
    truncate_segment,
    flip_bytes,
    remove_toc,
    empty_current,
    current_escapes,
    current_climbs_out,
    garble_meta_file_list,
]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_a_damaged_generation_falls_back_to_the_previous_complete_one(tmp_path, damage, caplog):
    settings, generation = build_two_generations(tmp_path)
    damage(generation)
    index = SearchIndex(settings.index_dir, settings)
    try:
        ids = {d.id for d in index.documents()}
        # A damaged CURRENT leaves the newest generation intact: that one serves.
        prefix = "new" if "current" in damage.__name__ else "old"
        assert ids == {f"{prefix}-{i}" for i in range(5)}
        assert "Serving the newest complete generation" in index.notice
        assert len(index.notice.splitlines()) == 1
    finally:
        index.close()


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_reindex_refuses_a_damaged_index_without_a_traceback(tmp_path, damage, monkeypatch):
    monkeypatch.delenv("POLICYSEARCH_CONFIG", raising=False)
    settings, generation = build_two_generations(tmp_path)
    damage(generation)
    result = CliRunner().invoke(
        main,
        ["reindex", str(tmp_path / "new"), "--index-dir", settings.index_dir],
        catch_exceptions=False,
    )
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "damaged" in result.output and "policysearch index" in result.output
    assert "Traceback" not in result.output


def test_a_full_build_repairs_a_damaged_index(tmp_path, monkeypatch):
    monkeypatch.delenv("POLICYSEARCH_CONFIG", raising=False)
    settings, generation = build_two_generations(tmp_path)
    truncate_segment(generation)
    # The fallback generation holds other ids, so replacing it must be allowed.
    result = CliRunner().invoke(
        main,
        ["index", str(tmp_path / "new"), "--index-dir", settings.index_dir, "--allow-deletes"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    index = SearchIndex(settings.index_dir, settings)
    try:
        assert {d.id for d in index.documents()} == {f"new-{i}" for i in range(5)}
        assert index.notice == ""
    finally:
        index.close()


@pytest.mark.parametrize("damage", [flip_bytes, truncate_segment], ids=lambda f: f.__name__)
def test_serve_boots_on_the_previous_generation_and_says_so(tmp_path, damage):
    settings, generation = build_two_generations(tmp_path)
    damage(generation)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "searchweb.cli",
            "serve",
            "--port",
            str(port),
            "--index-dir",
            settings.index_dir,
            "--workers",
            "1",
        ],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/api/search?q=x")
        with urllib.request.urlopen(
            base + "/api/search?q=" + urllib.parse.quote("공원")
        ) as response:
            body = response.read().decode()
        assert '"old-0"' in body and '"new-0"' not in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        _, log = server.communicate(timeout=30)
    lines = [
        line
        for line in log.decode().splitlines()
        if "Serving the newest complete generation" in line
    ]
    assert lines and "Traceback" not in log.decode()


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs: room for a small index, not for a large one."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_fails_cleanly_and_the_next_build_works(tmp_path, small_disk):
    settings = make_settings(tmp_path, index_dir=str(small_disk / "index"))
    small = write_jsonl(
        tmp_path / "small" / "d.jsonl",
        [{"id": f"s-{i}", "title": f"작은 문서 {i}", "body": "짧은 본문"} for i in range(5)],
    ).parent
    big = write_jsonl(
        tmp_path / "big" / "d.jsonl",
        [
            {
                "id": f"s-{i}",
                "title": f"큰 문서 {i}",
                # Distinct words: an index of them does not fit in 3 MB.
                "body": f"긴 본문 {i} " + " ".join(f"정책{i * 400 + j}" for j in range(400)),
            }
            for i in range(600)
        ],
    ).parent
    build_index(read_corpus(small).documents, settings.index_dir, settings)
    with pytest.raises(
        IndexWriteError, match="No space left on device.*serving index is unchanged"
    ):
        build_index(read_corpus(big).documents, settings.index_dir, settings)
    generations = [p.name for p in (small_disk / "index").iterdir() if p.name.startswith("gen-")]
    assert generations == [current_generation(settings.index_dir).name]  # the partial one is gone
    index = SearchIndex(settings.index_dir, settings)
    try:
        assert len(index.documents()) == 5
    finally:
        index.close()
    build_index(read_corpus(small).documents, settings.index_dir, settings)  # space is free again


def test_a_build_left_by_a_crash_is_removed_before_the_next_one(tmp_path, settings):
    corpus = write_jsonl(
        tmp_path / "c" / "d.jsonl", [{"id": "a", "title": "제목", "body": "본문"}]
    ).parent
    build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    leftover = tmp_path / "index" / "gen-20200101T000000000000-1"
    leftover.mkdir()
    (leftover / "_MAIN_1.seg").write_bytes(b"\0" * 10_000)  # no meta.json: never finished
    result = build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    assert not leftover.exists()
    assert "Removed 1 incomplete generation" in result.notice


def test_serve_reports_a_build_failure_on_the_cli_without_a_traceback(
    tmp_path, small_disk, monkeypatch
):
    monkeypatch.delenv("POLICYSEARCH_CONFIG", raising=False)
    big = write_jsonl(
        tmp_path / "big" / "d.jsonl",
        [
            {
                "id": f"b-{i}",
                "title": f"큰 문서 {i}",
                "body": " ".join(f"정책{i * 400 + j}" for j in range(400)),  # over 3 MB indexed
            }
            for i in range(600)
        ],
    ).parent
    result = CliRunner().invoke(
        main, ["index", str(big), "--index-dir", str(small_disk / "ix")], catch_exceptions=False
    )
    assert result.exit_code == EXIT_FAILURE
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert not [p for p in (small_disk / "ix").iterdir() if p.name.startswith("gen-")]
    shutil.rmtree(small_disk / "ix")


def test_a_writer_process_that_fails_fails_the_build_in_one_line(tmp_path, monkeypatch, capfd):
    """A worker that cannot write (a full disk seen by it alone) must fail the build:
    Whoosh's commit would go on without the documents it held. Its traceback must not
    reach the terminal either; the build's one-line error says what happened. With more
    job files than the workers' queue holds, the build used to wait for room forever."""
    settings = make_settings(tmp_path, build_procs=2)
    corpus = write_jsonl(
        tmp_path / "c" / "d.jsonl",
        [
            {"id": f"d-{i}", "title": f"문서 {i}", "body": "도시 정책 " * 20}
            for i in range(PARALLEL_MIN_DOCUMENTS)  # enough for worker processes
        ],
    ).parent
    build_index(read_corpus(corpus).documents[:5], settings.index_dir, settings)
    # The workers start as fresh interpreters: the fault reaches them by their startup.
    faults = Path(__file__).parent / "worker_faults"
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(faults), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("POLICYSEARCH_TEST_WORKER_DISK_FULL", "1")
    with pytest.raises(IndexWriteError, match="No space left on device"):
        build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    assert "Traceback" not in capfd.readouterr().err
    index = SearchIndex(settings.index_dir, settings)
    try:
        assert len(index.documents()) == 5
    finally:
        index.close()
