"""Postings and field lengths as NumPy arrays (decoded by indexer/whoosh_private.py),
kept once per segment.

Whoosh walks postings one document at a time in Python, and decoding a block
(zlib, then unpickling positions and character offsets) costs more than scoring it.
Ranking every match of a common word that way was most of a request's time. Here a
term's document numbers and frequencies are read block by block into arrays and kept
in a byte-bounded LRU that every thread shares. A segment never changes once written
(deletions are recorded beside it), so its arrays stay valid until a merge removes it;
keys name the segment, and a reindex that adds a segment leaves the others' entries
in use.
"""

from __future__ import annotations

from typing import Callable, Hashable

from indexer.cache import LruCache


class PostingsCache(LruCache[tuple]):
    """Tuples of NumPy arrays, bounded by their total bytes; read-only once loaded,
    since every thread shares them."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, size_of=_tuple_bytes)

    @property
    def max_bytes(self) -> int:
        return self.max_size

    @property
    def bytes_used(self) -> int:
        return self.size_used

    def get_or_load(self, key: Hashable, load: Callable[[], tuple]) -> tuple:
        return super().get_or_load(key, lambda: _read_only(load()))


def _tuple_bytes(arrays: tuple) -> int:
    return sum(a.nbytes for a in arrays) + 100  # the key and tuple, roughly


def _read_only(arrays: tuple) -> tuple:
    for array in arrays:
        array.flags.writeable = False
    return arrays


def segment_key(leaf_reader) -> str:
    segment = leaf_reader.segment()
    return segment.segment_id() if segment is not None else str(id(leaf_reader))
