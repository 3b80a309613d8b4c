"""Postings and field lengths as NumPy arrays, decoded once per segment and kept.

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

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.util.numeric import byte_to_length

from .cache import LruCache

# Field lengths are stored as one byte on a logarithmic scale (0 = empty); this decodes all 256.
_BYTE_TO_LENGTH = np.array([0] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float64)
_LENGTH_COLUMN = "_%s_len"  # Whoosh's name for a field's length column

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


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


def deleted_documents(leaf_reader) -> np.ndarray:
    """Document numbers deleted in one segment (kept in its files until a merge)."""
    if not leaf_reader.has_deletions():
        return EMPTY_IDS
    per_doc = getattr(leaf_reader, "_perdoc", None)
    if per_doc is not None and hasattr(per_doc, "deleted_docs"):
        return np.fromiter(per_doc.deleted_docs(), dtype=np.int64)
    return np.array(
        [d for d in range(leaf_reader.doc_count_all()) if leaf_reader.is_deleted(d)], dtype=np.int64
    )


def read_term_postings(leaf_reader, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of a term in one segment, deleted documents
    included (callers mask them), as Whoosh's own document frequency counts them."""
    if (fieldname, btext) not in leaf_reader:
        return EMPTY_IDS, EMPTY_WEIGHTS
    matcher = leaf_reader.postings(fieldname, btext)
    if isinstance(matcher, FilterMatcher):  # the deletion filter; masked by the caller
        matcher = matcher.child
        matcher.reset()  # the filter already stepped over leading deleted documents
    if not isinstance(matcher, W3LeafMatcher):
        # Short lists are stored inline in the term dictionary.
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float32)
    id_blocks: list[np.ndarray] = []
    weight_blocks: list[np.ndarray] = []
    # Block by block, using the matcher's own decoding of a block's data tuple
    # (ids delta-coded from 0 in every block; weights None = all 1.0, a float = all equal).
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        block_ids, block_weights = matcher._data[0], matcher._data[1]
        length = matcher._blocklength
        id_blocks.append(np.cumsum(np.array(block_ids, dtype=np.int64)))
        if block_weights is None:
            weight_blocks.append(np.ones(length, dtype=np.float32))
        elif isinstance(block_weights, float):
            weight_blocks.append(np.full(length, block_weights, dtype=np.float32))
        else:
            weight_blocks.append(np.array(block_weights, dtype=np.float32))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    if not id_blocks:
        return EMPTY_IDS, EMPTY_WEIGHTS
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)


def read_field_lengths(leaf_reader, fieldname: str) -> np.ndarray:
    """Every document's length of a field in one segment, as Whoosh's BM25 sees it
    (decoded from the one-byte approximation)."""
    count = leaf_reader.doc_count_all()
    per_doc = getattr(leaf_reader, "_perdoc", None)
    column = None
    if per_doc is not None and hasattr(per_doc, "_cached_reader"):
        column = per_doc._cached_reader(_LENGTH_COLUMN % fieldname, LENGTHS_COLUMN)
    if column is None or not hasattr(column, "_dbfile"):
        # Another codec: one call per document.
        return np.array(
            [leaf_reader.doc_field_length(docnum, fieldname) or 0 for docnum in range(count)],
            dtype=np.float64,
        )
    codes = np.zeros(count, dtype=np.uint8)
    stored = min(column._count, count)  # documents past the stored end have length 0
    codes[:stored] = np.frombuffer(column._dbfile.get(column._basepos, stored), dtype=np.uint8)
    return _BYTE_TO_LENGTH[codes]
