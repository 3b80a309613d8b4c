"""Opening a reader (one per serving thread) must not copy the index into memory."""

from __future__ import annotations

import gc
import re
from pathlib import Path

from whoosh import index as whoosh_index

from indexer.engines.whoosh.generations import current_generation
from indexer.engines.whoosh.mapped import open_for_reading


def anonymous_memory_bytes() -> int:
    """Memory of this process not backed by a file (Linux: RssAnon)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^RssAnon:\s+(\d+) kB", status, re.M).group(1)) * 1024


def postings_bytes(generation: Path) -> int:
    """Size of the postings inside the generation's segments."""
    ix = whoosh_index.open_dir(str(generation))
    total = 0
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            total += (
                leaf._terms._postfile._buf.nbytes if hasattr(leaf._terms._postfile, "_buf") else 0
            )
    ix.close()
    return total


def growth_of_four_readers(ix) -> int:
    gc.collect()
    before = anonymous_memory_bytes()
    readers = [ix.reader() for _ in range(4)]
    grown = anonymous_memory_bytes() - before
    for reader in readers:
        reader.close()
    return grown


def test_readers_share_the_mapped_index_instead_of_copying_it(policy_index):
    generation = current_generation(policy_index.index_dir)
    postings = postings_bytes(generation)
    assert postings > 5_000_000  # large enough to see a copy
    # Whoosh's own way of opening copies the postings for each reader: the measure sees it.
    copied = growth_of_four_readers(whoosh_index.open_dir(str(generation)))
    assert copied > 2 * postings
    ours = growth_of_four_readers(open_for_reading(generation))
    assert ours < postings / 10
