"""Reading speed of the document formats: the HWP/HWPX samples and pathological HTML.

    .venv/bin/python bench/formats.py [--repeat 5]

Prints, for each file of ../shared/data/hwp-samples, the seconds policysearch's reader
takes and the seconds extract-hwp (the peer: an independent reader on PyPI) takes for
the same bytes in the same run, then the totals and their ratio; then the HTML reader
on deeply nested and unclosed markup at two sizes (linear work doubles the time).
Best of --repeat runs each.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.reading.formats import FormatError  # noqa: E402
from indexer.reading.formats.html import read_html  # noqa: E402
from indexer.reading.formats.hwp import read_hwp  # noqa: E402
from indexer.reading.formats.hwpx import read_hwpx  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "data" / "hwp-samples"


def best_seconds(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            work()
        except Exception:  # rejections (password, 배포용, broken) are timed too
            pass
        best = min(best, time.perf_counter() - started)
    return best


def ours(path: Path) -> object:
    data = path.read_bytes()
    try:
        return read_hwpx(data) if path.suffix == ".hwpx" else read_hwp(data)
    except FormatError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    try:
        import extract_hwp
    except ImportError:
        extract_hwp = None
    print(f"{'file':<50} {'policysearch s':>14} {'extract-hwp s':>14}")
    total_ours = total_peer = 0.0
    for path in sorted(SAMPLES.glob("*.hwp*")):
        mine = best_seconds(lambda path=path: ours(path), args.repeat)
        peer = (
            best_seconds(
                lambda path=path: extract_hwp.extract_text_from_hwp(str(path)), args.repeat
            )
            if extract_hwp
            else float("nan")
        )
        total_ours += mine
        total_peer += peer
        print(f"{path.name:<50} {mine:>14.4f} {peer:>14.4f}")
    print(f"{'total (20 files)':<50} {total_ours:>14.4f} {total_peer:>14.4f}")
    print(f"ratio policysearch / extract-hwp: {total_ours / total_peer:.2f}")
    print()
    for label, make in (
        (
            "nested <div>",
            lambda n: "<html><body>" + "<div>" * n + "본문" + "</div>" * n + "</body></html>",
        ),
        ("unclosed <p>", lambda n: "<html><body>" + "<p>단락 텍스트 " * n + "</body></html>"),
        (
            "unclosed <li>",
            lambda n: "<html><body><ul>" + "<li>항목 텍스트 " * n + "</ul></body></html>",
        ),
    ):
        small, large = make(24_000), make(48_000)
        first = best_seconds(lambda small=small: read_html(small), max(1, args.repeat // 2))
        second = best_seconds(lambda large=large: read_html(large), max(1, args.repeat // 2))
        print(
            f"HTML {label}: {len(small) / 1e6:.2f} MB {first:.3f} s, {len(large) / 1e6:.2f} MB "
            f"{second:.3f} s (x{second / first:.2f} for x2 input)"
        )


if __name__ == "__main__":
    main()
