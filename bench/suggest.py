"""Suggestion latency: every one- and two-syllable prefix of the index's vocabulary,
typed alone and after a word ("청년 지", the completions in context), against the
request budget a search box needs (issue 29: under 50 ms at the slowest).

    python bench/suggest.py --scale 10 [--index-dir DIR] [--json FILE] [--every N]

The corpus is bench/perf.py's at that scale (real documents, then re-combined copies),
indexed without vectors (suggestions do not use them) into DIR, which is reused when it
already holds an index. Each prefix is asked once, after a warm-up of 50, through
SearchIndex.suggest as /api/suggest asks it (8 suggestions).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from perf import percentiles, real_documents, scaled_documents  # noqa: E402

from indexer import SearchIndex, build_index, load_settings  # noqa: E402
from indexer.errors import IndexMissingError  # noqa: E402

SUGGESTIONS = 8
WARM_UP = 50
CONTEXT_WORD = "청년"  # a common first word: its completions in context cost a search


def prefixes(terms: frozenset[str]) -> list[str]:
    """Every distinct one- and two-syllable start of the terms, sorted."""
    return sorted({term[:1] for term in terms} | {term[:2] for term in terms})


def timed(index: SearchIndex, texts: list[str]) -> dict[str, float]:
    for text in texts[:WARM_UP]:
        index.suggest(text, SUGGESTIONS)
    samples = []
    for text in texts:
        started = time.perf_counter()
        index.suggest(text, SUGGESTIONS)
        samples.append((time.perf_counter() - started) * 1000)
    return {**percentiles(samples), "max_ms": round(max(samples), 2), "count": len(samples)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--index-dir", default="")
    parser.add_argument("--json", dest="json_path")
    parser.add_argument(
        "--every", type=int, default=1, help="Only every Nth prefix (a quicker look)."
    )
    args = parser.parse_args(argv)
    index_dir = args.index_dir or tempfile.mkdtemp(prefix="policysearch-suggest-")
    settings = load_settings(
        None, environ={}, index_dir=index_dir, vectors=False, request_timeout_ms=600_000
    )
    try:
        index = SearchIndex(index_dir, settings)
        built_s = 0.0
    except IndexMissingError:
        documents = scaled_documents(real_documents(), args.scale)
        started = time.perf_counter()
        build_index(documents, index_dir, settings)
        built_s = time.perf_counter() - started
        index = SearchIndex(index_dir, settings)
    view = index.readers.current()
    vocabulary = view.shared.vocabulary(view.reader)
    alone = prefixes(vocabulary.terms)[:: args.every]
    results = {
        "documents": view.searcher.doc_count(),
        "build_s": round(built_s, 1),
        "prefix_alone": timed(index, alone),
        "after_a_word": timed(index, [f"{CONTEXT_WORD} {prefix}" for prefix in alone]),
    }
    print(json.dumps(results, ensure_ascii=False, indent=2))
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    index.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
