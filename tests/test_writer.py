"""Full builds switch atomically; reindex is incremental; one writer; crashes lose nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indexer import (
    IndexLockedError,
    IndexMissingError,
    SearchRequest,
    build_index,
    read_corpus,
    update_index,
)
from indexer.engines.whoosh.generations import CURRENT_FILE, current_generation
from indexer.engines.whoosh.index import SearchIndex
from indexer.writing.lock import LOCK_FILE, WriteLock

from .conftest import SHARED_DATA, write_jsonl


def records(n, prefix="doc", text="아리수 수돗물 정책"):
    return [
        {"id": f"{prefix}-{i}", "title": f"{text} {i}", "body": f"{text} 본문 {i}"}
        for i in range(n)
    ]


def test_search_before_any_build_says_how_to_build(settings):
    with pytest.raises(IndexMissingError, match="policysearch index"):
        SearchIndex(settings.index_dir, settings)


def test_full_build_switches_generations_and_keeps_one_previous(tmp_path, settings):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(3)).parent
    generations = []
    for _ in range(3):
        build_index(read_corpus(corpus).documents, settings.index_dir, settings)
        generations.append(current_generation(settings.index_dir).name)
    assert len(set(generations)) == 3
    on_disk = sorted(p.name for p in Path(settings.index_dir).glob("gen-*"))
    assert on_disk == sorted(generations[1:])


def test_a_reader_moves_to_the_new_generation_without_reopening(tmp_path, settings):
    corpus = tmp_path / "c"
    write_jsonl(corpus / "a.jsonl", records(2))
    build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    assert index.search(SearchRequest(q="아리수")).total == 2
    write_jsonl(corpus / "a.jsonl", records(5))
    build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    assert index.search(SearchRequest(q="아리수")).total == 5
    index.close()


def test_reindex_adds_updates_and_deletes_by_content(tmp_path, settings):
    corpus = tmp_path / "c"
    write_jsonl(corpus / "a.jsonl", records(10))
    build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    assert index.search(SearchRequest(q="따릉이")).total == 0

    changed = records(10)[:8]  # doc-8 and doc-9 vanish
    changed[0]["body"] = "따릉이 공공자전거"  # doc-0 changes
    changed += records(3, prefix="new", text="따릉이 대여")  # three new
    write_jsonl(corpus / "a.jsonl", changed)
    result = update_index(read_corpus(corpus).documents, settings.index_dir, settings)

    assert (result.added, result.updated, result.deleted, result.unchanged) == (3, 1, 2, 7)
    assert result.documents == 11
    assert index.search(SearchRequest(q="따릉이")).total == 4
    assert index.document("doc-9") is None
    assert index.document("doc-0").body == "따릉이 공공자전거"
    again = update_index(read_corpus(corpus).documents, settings.index_dir, settings)
    assert (again.added, again.updated, again.deleted, again.unchanged) == (0, 0, 0, 11)
    index.close()


def test_only_one_writer_at_a_time(tmp_path, settings):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(2)).parent
    with WriteLock(Path(settings.index_dir)):
        with pytest.raises(IndexLockedError, match="Wait for it to finish"):
            build_index(read_corpus(corpus).documents, settings.index_dir, settings)


def test_a_stale_lock_is_detected_and_explained(tmp_path, settings):
    corpus = write_jsonl(tmp_path / "c" / "a.jsonl", records(2)).parent
    index_dir = Path(settings.index_dir)
    index_dir.mkdir(parents=True)
    (index_dir / LOCK_FILE).write_text(
        json.dumps(
            {
                "pid": 999_999_999,
                "host": os.uname().nodename,
                "started": "2026-01-01T00:00:00+00:00",
            }
        )
    )
    result = build_index(read_corpus(corpus).documents, index_dir, settings)
    assert "stale lock" in result.notice and "no longer running" in result.notice
    assert (index_dir / LOCK_FILE).read_text() == ""


def _kill_build_midway(index_dir: Path, corpus: Path, command: str) -> None:
    """Starts `policysearch <command>` and kill -9s it once it is writing."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "searchweb.cli",
            command,
            str(corpus),
            "--index-dir",
            str(index_dir),
            "--mapping",
            "korquad-v1-dev",
            "-q",
            "--allow-deletes",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    lock = index_dir / LOCK_FILE
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text().strip():
            break
        time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("the build never took the write lock")
    time.sleep(1.0)  # well inside a build of ~1,000 paragraphs
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("command", ["index", "reindex"])
def test_a_build_killed_midway_leaves_the_previous_index_answering(tmp_path, settings, command):
    index_dir = Path(settings.index_dir)
    small = write_jsonl(tmp_path / "small" / "a.jsonl", records(3)).parent
    build_index(read_corpus(small).documents, index_dir, settings)
    before = current_generation(index_dir)
    korquad = SHARED_DATA / "korquad-v1-dev"

    _kill_build_midway(index_dir, korquad, command)

    assert current_generation(index_dir) == before
    index = SearchIndex(index_dir, settings)
    assert index.search(SearchRequest(q="아리수")).total == 3
    index.close()

    rerun = subprocess.run(
        [
            sys.executable,
            "-m",
            "searchweb.cli",
            command,
            str(korquad),
            "--index-dir",
            str(index_dir),
            "--mapping",
            "korquad-v1-dev",
            "-q",
            "--allow-deletes",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "stale lock" in rerun.stderr
    index = SearchIndex(index_dir, settings)
    if command == "index":  # a full build replaces the small corpus
        assert (index.stats().documents, index.document("doc-0")) == (964, None)
    else:  # a reindex of another source leaves the small corpus's documents alone
        assert index.stats().documents == 967 and index.document("doc-0") is not None
    index.close()
    assert len(list(index_dir.glob("gen-*"))) <= 2
    assert (index_dir / CURRENT_FILE).read_text().strip().startswith("gen-")
