"""Reindexing while `policysearch serve` answers a steady load: no failed request, and
answers move to the new index without a restart (both `reindex` and a full `index`)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

from .conftest import SHARED_DATA, free_port, wait_for, write_jsonl

CLI = [sys.executable, "-m", "searchweb.cli"]
LOAD_THREADS = 8
ROUNDS = 6  # reindex runs; every third round is a full index build instead
QUERIES = ["청년", "주거 지원", "장애인 활동지원", "Seoul", "아동 돌봄 서비스", "노인 일자리"]


def search_ids(base: str, q: str) -> list[str]:
    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": q, "size": 50})
    with urllib.request.urlopen(url, timeout=30) as response:
        return [hit["id"] for hit in json.load(response)["hits"]]


class Load:
    """Threads that query the server until stopped, counting every outcome."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stop = threading.Event()
        self.outcomes: Counter[str] = Counter()
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(LOAD_THREADS)
        ]

    def _run(self, number: int) -> None:
        turn = number
        while not self.stop.is_set():
            q = QUERIES[turn % len(QUERIES)]
            turn += 1
            url = f"{self.base}/api/search?" + urllib.parse.urlencode({"q": q})
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    body = json.load(response)
                    outcome = str(response.status) if "hits" in body else "no hits key"
            except urllib.error.HTTPError as error:
                outcome = str(error.code)
            except OSError as error:
                outcome = type(error).__name__
            with self.lock:
                self.outcomes[outcome] += 1
                if outcome != "200":
                    self.failures.append(f"{q}: {outcome}")

    def __enter__(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


def test_reindex_again_and_again_under_load_fails_no_request(tmp_path):
    corpus = tmp_path / "corpus"
    welfare = SHARED_DATA / "kr-welfare-services" / "welfare_services_2023.jsonl"
    corpus.mkdir()
    (corpus / "welfare.jsonl").write_bytes(welfare.read_bytes())
    index_dir = tmp_path / "index"
    subprocess.run(
        [*CLI, "index", str(corpus), "--index-dir", str(index_dir), "-q"], check=True, timeout=300
    )
    port = free_port()
    env = {**os.environ, "POLICYSEARCH_API_REQUESTS_PER_MINUTE": "0"}  # the load is one client
    server = subprocess.Popen(
        [
            *CLI,
            "serve",
            "--port",
            str(port),
            "--index-dir",
            str(index_dir),
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/api/search?q=x")
        with Load(base) as load:
            for round_number in range(ROUNDS):
                marker = f"새정책표식{round_number}"
                write_jsonl(
                    corpus / f"new-{round_number}.jsonl",
                    [
                        {
                            "id": f"new-{round_number}",
                            "title": f"{marker} 청년 지원",
                            "body": f"{marker}: 새로 추가된 청년 주거 지원 정책입니다.",
                        }
                    ],
                )
                command = "index" if round_number % 3 == 2 else "reindex"
                run = subprocess.run(
                    [*CLI, command, str(corpus), "--index-dir", str(index_dir), "-q"],
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert run.returncode == 0, run.stderr
                # Every worker must see the new document without a restart.
                deadline = time.monotonic() + 10
                seen = 0
                while seen < 8 and time.monotonic() < deadline:
                    seen = (
                        seen + 1 if search_ids(base, marker)[:1] == [f"new-{round_number}"] else 0
                    )
                assert seen >= 8, f"{command} round {round_number}: not served within 10 s"
            time.sleep(1)  # load continues a moment on the final index
        print(f"\n{ROUNDS} reindex/index runs under load: {dict(load.outcomes)}")
        assert load.failures == []
        assert load.outcomes["200"] > 200
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        _, log = server.communicate(timeout=30)
    # Each worker warmed the postings of the generation it opened, and the new ones the
    # full builds made.
    warmed = re.findall(r"Warmed the postings of \d+ frequent terms of (gen-\S+)", log.decode())
    assert len(warmed) >= 2 and len(set(warmed)) >= 2, log.decode()[-2000:]
