"""Fixtures that build small real indexes on disk, with the real Mecab tagger."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import build_index, load_mapping, load_settings, read_corpus
from indexer.engines.whoosh.index import SearchIndex
from indexer.reading.documents import Document
from indexer.reading.readers import read_sources

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
SHIPPED_CORPUS = PROJECT_ROOT / "corpus"


def make_settings(tmp_path: Path, **overrides):
    """Settings from defaults only (no file, no environment), with an index in tmp_path.
    Without document vectors unless asked (``vectors=True``): embedding is most of a
    build's time, and the indexes built for other features do not need them."""
    overrides.setdefault("index_dir", str(tmp_path / "index"))
    overrides.setdefault("vectors", False)
    # Which completions go with the words typed, not how fast they come on a loaded
    # machine: the time limit is tested with a clock of the test's own.
    overrides.setdefault("completion_context_ms", 0)
    return load_settings(None, environ={}, **overrides)


def full_document(**changes) -> Document:
    """A document with (nearly) every field set, each to a value of its own kind;
    ``changes`` replace some."""
    values = dict(
        id="a/1",
        title="청년 월세 지원",
        body="본문",
        category=["주거", "청년"],
        department="주택정책과",
        date="2018-03-02",
        year=2018,
        lang="ko",
        source="seoul",
        url="https://example.org/1",
        tags=["월세"],
        author="담당자",
        origin_source="/corpus",
        origin_file="a.jsonl",
    )
    return Document(**{**values, **changes})


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def index_of(tmp_path: Path, records: list[dict], **overrides) -> SearchIndex:
    """A real index of ``records`` (JSON Lines in tmp_path/corpus), built and opened."""
    write_jsonl(tmp_path / "corpus" / "docs.jsonl", records)
    settings = make_settings(tmp_path, **overrides)
    build_index(read_corpus(tmp_path / "corpus").documents, settings.index_dir, settings)
    return SearchIndex(settings.index_dir, settings)


def welfare_index_in_segments(tmp_path: Path, appended: str) -> tuple[SearchIndex, list]:
    """The welfare programs built, then reindexed with 30 changed (``appended`` to their
    bodies) and 20 removed: an index of two segments with deleted documents. Returns it
    opened, and the documents as first built."""
    from indexer import update_index

    settings = make_settings(tmp_path)
    documents = read_sources(
        [(SHARED_DATA / "kr-welfare-services", load_mapping("kr-welfare-services"))]
    ).documents
    build_index(documents, settings.index_dir, settings)
    changed = list(documents[20:])  # Document objects: a packed slice unpacks anew each time
    for document in changed[:30]:
        document.body += appended
    update_index(changed, settings.index_dir, settings)
    return SearchIndex(settings.index_dir, settings), documents


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture(scope="session")
def policy_index(tmp_path_factory):
    """The shipped corpus plus the Seoul budget/pledge and welfare datasets, built once."""
    tmp_path = tmp_path_factory.mktemp("policy")
    settings = make_settings(tmp_path, vectors=True)
    build_index(policy_documents(), settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    yield index
    index.close()


def policy_documents():
    """The shipped corpus plus the Seoul budget/pledge and welfare datasets."""
    report = read_sources(
        [
            (SHIPPED_CORPUS, load_mapping(None)),
            (SHARED_DATA / "seoul-budget-promises", load_mapping("seoul-budget-promises")),
            (SHARED_DATA / "kr-welfare-services", load_mapping("kr-welfare-services")),
        ]
    )
    assert not report.rejections
    return report.documents


@contextlib.contextmanager
def local_cluster(root: Path, shards: int = 2) -> Iterator[Path]:
    """A Sphinx cluster of ``shards`` shard nodes and an aggregator on free loopback
    ports (``policysearch cluster init`` and ``start``), stopped afterwards."""
    from indexer.engines.sphinx.local import init_cluster, start_cluster, stop_cluster

    init_cluster(root, shards)
    start_cluster(root)
    try:
        yield root
    finally:
        stop_cluster(root)


def cluster_env(root: Path) -> dict[str, str]:
    """The settings (POLICYSEARCH_* variables) that point the CLI and web at a cluster."""
    return {"POLICYSEARCH_BACKEND": "cluster", "POLICYSEARCH_CLUSTER_DIR": str(root)}


@pytest.fixture(scope="session")
def policy_cluster(tmp_path_factory):
    """The documents of policy_index in a real two-shard cluster; yields its settings."""
    if shutil.which("searchd") is None:
        pytest.skip("sphinxsearch is not installed (scripts/test.sh installs it)")
    from indexer.engines.sphinx.writes import build_cluster

    tmp_path = tmp_path_factory.mktemp("policy-cluster")
    with local_cluster(tmp_path / "nodes") as root:
        settings = make_settings(tmp_path, backend="cluster", cluster_dir=str(root), vectors=True)
        build_cluster(policy_documents(), root, settings)
        yield settings


@pytest.fixture(scope="module", params=["whoosh", "cluster"])
def backend_settings(request):
    """Settings of each backend over the same documents: web, API and widget tests run
    against both."""
    if request.param == "cluster":
        return request.getfixturevalue("policy_cluster")
    return request.getfixturevalue("policy_index").settings


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    records = [
        {
            "id": "water-1",
            "title": "아리수 수돗물 품질 관리",
            "body": "서울시는 아리수 수돗물의 수질을 매일 검사합니다.",
            "category": ["상수도"],
            "department": "상수도사업본부",
            "date": "2021-07-23",
        },
        {
            "id": "square-1",
            "title": "광화문광장 재구조화",
            "body": "광화문광장을 시민 중심의 공간으로 바꿉니다.",
            "category": ["도시계획"],
            "department": "도시공간개선단",
            "date": "2022-08-06",
        },
        {
            "id": "bike-1",
            "title": "Public bicycle Ttareungyi",
            "body": "Seoul's public bicycles (따릉이) serve citizens.",
            "category": ["교통"],
            "department": "도시교통실",
            "date": "2020-01-10",
        },
        {
            "id": "regen-1",
            "title": "도시재생활성화지역 지정",
            "body": "낡은 동네를 도시재생 사업으로 살립니다.",
            "category": ["도시계획", "주거"],
            "department": "도시재생실",
            "date": "2019-03-02",
        },
        {
            "id": "care-1",
            "title": "장애인 활동지원",
            "body": "장애인의 일상생활을 돕는 활동지원 서비스입니다.",
            "category": ["복지"],
            "department": "복지정책실",
            "date": "2023-01-01",
        },
    ]
    return write_jsonl(tmp_path / "corpus" / "docs.jsonl", records).parent


@pytest.fixture
def small_index(small_corpus, settings):
    report = read_corpus(small_corpus)
    build_index(report.documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    yield index
    index.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


@contextlib.contextmanager
def running_server(
    index_dir: str | Path,
    settings_env: dict[str, str] | None = None,
    *serve_args: str,
    port: int | None = None,
    ready_path: str = "/api/search?q=x&size=1",
) -> Iterator[str]:
    """``policysearch serve`` on a loopback port (free, unless ``port`` is given: a server
    restarted where clients expect it), as users run it; yields its base URL.

    ``settings_env`` sets settings by their POLICYSEARCH_* variables (e.g.
    {"REQUEST_TIMEOUT_MS": "500"}); the server is stopped (its whole group) afterwards.
    """
    port = port or free_port()
    env = {
        **os.environ,
        **{"POLICYSEARCH_" + name: value for name, value in (settings_env or {}).items()},
    }
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "searchweb.cli",
                "serve",
                "--port",
                str(port),
                "--index-dir",
                str(index_dir),
                *serve_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_for(base + ready_path)
            except AssertionError:
                log.seek(0)
                raise AssertionError(log.read().decode("utf-8", "replace")[-3000:]) from None
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


class SteppingClock:
    """A clock that moves ``step_ms`` forward at every read and counts its reads: a search
    that reads it N times has been told N * step_ms milliseconds went by."""

    def __init__(self, step_ms: float, jump_after_reads: int = 0, jump_ms: float = 0) -> None:
        self.step_ms = step_ms
        self.jump_after_reads = jump_after_reads  # 0: never
        self.jump_ms = jump_ms
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        now_ms = self.reads * self.step_ms
        if self.jump_after_reads and self.reads > self.jump_after_reads:
            now_ms += self.jump_ms
        return now_ms / 1000
