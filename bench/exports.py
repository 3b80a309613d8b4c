"""Search latency while exports stream: `policysearch serve` (2 workers, as shipped) answers
searches alone, then again while 8 clients ask for full CSV exports without pause; the
ratio of the two p95s is what issue 29 asks to keep within 2.

    python bench/exports.py --index-dir DIR [--searches 200] [--json FILE]

DIR is an index (bench/suggest.py leaves one at x10; without it the shipped corpus is
indexed into a temporary folder). With export_concurrency at its default (1) the other
exports are answered 503 exports_busy at once and come back after Retry-After; the
figures say how many exports were made and how many were turned away.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from perf import percentiles, serving  # noqa: E402

QUERIES = [
    "청년 월세",
    "장애인 활동지원",
    "노인 일자리",
    "도시재생",
    "아리수",
    "교통 안전",
    "복지",
    "주거",
]
EXPORTERS = 8


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def search_latencies(base: str, count: int) -> list[float]:
    samples = []
    for number in range(count):
        q = quote(QUERIES[number % len(QUERIES)])
        started = time.perf_counter()
        fetch(f"{base}/api/search?q={q}&page={1 + number // len(QUERIES) % 5}")
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", default="")
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args(argv)
    index_dir = args.index_dir or tempfile.mkdtemp(prefix="policysearch-exports-")
    settings_env = {"API_REQUESTS_PER_MINUTE": "0", "RESULT_CACHE_SIZE": "0", "ANALYTICS": "false"}
    with serving(index_dir, settings_env) as base:
        search_latencies(base, 20)  # warm-up
        alone = search_latencies(base, args.searches)
        stop = threading.Event()
        made, turned_away = [0], [0]

        def export_forever() -> None:
            while not stop.is_set():
                status, _ = fetch(f"{base}/api/export.csv?q={quote('서울')}&tier=all")
                if status == 200:
                    made[0] += 1
                else:
                    turned_away[0] += 1
                    stop.wait(1.0)

        exporters = [threading.Thread(target=export_forever) for _ in range(EXPORTERS)]
        for thread in exporters:
            thread.start()
        time.sleep(2)
        during = search_latencies(base, args.searches)
        stop.set()
        for thread in exporters:
            thread.join()
    results = {
        "searches_alone": percentiles(alone),
        "searches_while_exporting": percentiles(during),
        "p95_ratio": round(
            percentiles(during)["p95_ms"] / max(percentiles(alone)["p95_ms"], 0.01), 2
        ),
        "exports_made": made[0],
        "exports_turned_away": turned_away[0],
    }
    print(json.dumps(results, indent=2))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
