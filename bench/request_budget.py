"""How long hostile raw queries take against the request budget, on the real clock.

    .venv/bin/python bench/request_budget.py [--documents 100000] [--budget-ms 3000]

Builds an index of short pseudo-word documents over a Zipf-like vocabulary (long term
lists are what wildcard scans pay for), then runs each hostile query with the budget
and prints the seconds it took, how it ended (answered, refused, stopped) and the
ratio to the budget. The peer is Whoosh's own query parser and searcher on the same
index with no budget, in a child process stopped after --peer-timeout-s. The tests
check with a fake clock that every long path reads its clock and stops once the budget
is spent (tests/test_request_budget.py); this prints what that means in seconds.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer import Document, SearchRequest, build_index  # noqa: E402
from indexer.config import load_settings  # noqa: E402
from indexer.engines.whoosh.generations import serving_generation  # noqa: E402
from indexer.engines.whoosh.index import SearchIndex  # noqa: E402
from indexer.errors import QueryError, SearchTimeoutError  # noqa: E402

RUNAWAY = "NOT zzq " + " ".join(f"*{letter}*" for letter in "abcdefghil")
HOSTILE = (RUNAWAY, "*a* *e* *i* *o*", "NOT *a*", "?*", "*q* *x* *z* *w*")


def pseudo_documents(count: int, vocabulary_size: int) -> list[Document]:
    rng = random.Random(7)
    letters = "abcdefghijklmnoprstuvwy"
    vocabulary = [
        "".join(rng.choices(letters, k=rng.randint(4, 9))) for _ in range(vocabulary_size)
    ]
    cumulative = list(itertools.accumulate(1 / (rank + 10) for rank in range(vocabulary_size)))

    def text(words: int) -> str:
        return " ".join(rng.choices(vocabulary, cum_weights=cumulative, k=words))

    return [
        Document(id=f"d{n}", title=text(4), body=text(30), category=[f"c{n % 7}"])
        for n in range(count)
    ]


def policysearch_seconds(index: SearchIndex, q: str) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        index.search(SearchRequest(q=q, raw=True, size=10))
        outcome = "answered"
    except QueryError:
        outcome = "refused"
    except SearchTimeoutError:
        outcome = "stopped"
    return time.perf_counter() - started, outcome


def _whoosh_search(index_dir: str, q: str) -> None:
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser

    generation = serving_generation(index_dir).generation  # the index's current folder
    with whoosh_index.open_dir(str(generation)).searcher() as searcher:
        query = MultifieldParser(["title", "body"], searcher.schema).parse(q)
        searcher.search(query, limit=10)


def whoosh_seconds(index_dir: str, q: str, timeout_s: float) -> str:
    child = multiprocessing.Process(target=_whoosh_search, args=(index_dir, q))
    started = time.perf_counter()
    child.start()
    child.join(timeout_s)
    if child.is_alive():
        child.terminate()
        child.join()
        return f"> {timeout_s:g} s (stopped)"
    outcome = "answered" if child.exitcode == 0 else f"exit {child.exitcode}"
    return f"{time.perf_counter() - started:.2f} s ({outcome})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--vocabulary", type=int, default=150_000)
    parser.add_argument("--budget-ms", type=int, default=3000)
    parser.add_argument("--peer-timeout-s", type=float, default=60)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            None,
            environ={},
            index_dir=str(Path(folder) / "index"),
            request_timeout_ms=args.budget_ms,
            result_cache_size=0,
        )
        started = time.perf_counter()
        build_index(pseudo_documents(args.documents, args.vocabulary), settings.index_dir, settings)
        print(f"built {args.documents:,} documents in {time.perf_counter() - started:.1f} s")
        budget_s = args.budget_ms / 1000
        print(f"{'query':52} {'policysearch':>22} {'/budget':>8}   whoosh, no budget")
        with SearchIndex(settings.index_dir, settings) as index:
            index.search(SearchRequest(q="x", size=1))  # open and check once
            for q in HOSTILE:
                seconds, outcome = policysearch_seconds(index, q)
                peer = whoosh_seconds(settings.index_dir, q, args.peer_timeout_s)
                print(f"{q:52} {seconds:8.2f} s ({outcome:8}) {seconds / budget_s:8.2f}   {peer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
