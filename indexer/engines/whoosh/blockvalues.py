"""A term's stored values (character offsets, positions) in a few documents, read from
its posting blocks: for a page's marks and the passage evidence of the best-ranked
documents. Like private.py, this reads Whoosh's private attributes (of its posting
reader, W3LeafMatcher): Whoosh is pinned at 2.7.4.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher

from indexer.engines.whoosh.postings import PostingsCache
from indexer.engines.whoosh.private import EMPTY_IDS, unfiltered_matcher

_ABSENT, _INLINE, _BLOCKS = 0, 1, 2  # where a segment keeps a term's postings

# The shared postings cache's get_or_load, with the keys made the segment's own; or a
# loader that keeps nothing.
CachedLoad = Callable[[tuple, Callable[[], tuple]], tuple]


def _load_uncached(key: tuple, load: Callable[[], tuple]) -> tuple:
    return load()


def read_term_values(
    leaf_reader,
    fieldname: str,
    btext: bytes,
    docnums: list[int],
    kind: str,
    cached: CachedLoad = _load_uncached,
) -> dict[int, list]:
    """A term's stored values in each of ``docnums`` (ascending, of this segment) that
    holds it, decoded as ``kind`` ("characters": (position, start, end) tuples;
    "positions").

    Only the blocks holding them are read, found from the term's block directory, and a
    block's document numbers are searched with NumPy: Whoosh's ``skip_to`` steps
    through them one by one in Python (a third of marking a page's long bodies). The
    directory and each block read, zlib and pickle undone, are kept by ``cached``: the
    same common words come back in request after request."""
    if not docnums:
        return {}
    decode = leaf_reader.schema[fieldname].format.decoder(kind)
    matchers: list[Any] = []

    def matcher() -> Any:
        if not matchers:
            matchers.append(unfiltered_matcher(leaf_reader, fieldname, btext))
        return matchers[0]

    # The directory also says whether the segment holds the term (a lookup in Whoosh's
    # term dictionary, hashed, that a cached directory saves).
    max_ids, starts, layout = cached(
        ("blocks", fieldname, btext),
        lambda: _block_directory(leaf_reader, fieldname, btext, matcher),
    )
    if layout[0] == _ABSENT:
        return {}
    if layout[0] == _INLINE:  # a short list, inline in the term dictionary
        return _inline_values(matcher(), set(docnums), decode)
    wanted = np.asarray(docnums, dtype=np.int64)
    found: dict[int, list] = {}
    block_of = np.searchsorted(max_ids, wanted)  # the first block whose last id >= docnum
    for block in np.unique(block_of[block_of < len(max_ids)]).tolist():
        ids, blob, ends = cached(
            ("block", fieldname, btext, block), partial(_decoded_block, matcher, int(starts[block]))
        )
        in_block = wanted[block_of == block]
        at = np.minimum(np.searchsorted(ids, in_block), len(ids) - 1)
        for index, docnum in zip(at.tolist(), in_block.tolist(), strict=True):
            if ids[index] == docnum:
                begin = int(ends[index - 1]) if index else 0
                found[docnum] = decode(blob[begin : int(ends[index])].tobytes())
    return found


def _block_directory(
    leaf_reader, fieldname: str, btext: bytes, matcher: Callable[[], Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(last document number, file offset) of each of a term's posting blocks, from the
    block headers alone, and the term's layout (absent, inline in the term dictionary,
    in blocks) as an array of one."""
    if (fieldname, btext) not in leaf_reader:
        return EMPTY_IDS, EMPTY_IDS, np.array([_ABSENT])
    reader = matcher()
    if not isinstance(reader, W3LeafMatcher):
        return EMPTY_IDS, EMPTY_IDS, np.array([_INLINE])
    max_ids, starts = [], []
    position = reader._baseoffset
    while True:
        reader._goto(position)
        max_ids.append(reader._maxid)
        starts.append(position)
        if reader._lastblock:
            break
        position = reader._nextoffset
    return (
        np.array(max_ids, dtype=np.int64),
        np.array(starts, dtype=np.int64),
        np.array([_BLOCKS]),
    )


def _decoded_block(matcher: Callable[[], Any], start: int) -> tuple[np.ndarray, ...]:
    """A block's document numbers, and its values as one byte array with each value's
    end (arrays, so the postings cache can count their bytes)."""
    reader = matcher()
    reader._goto(start)
    reader._read_data()
    reader._read_values()
    ids = np.cumsum(np.array(reader._data[0], dtype=np.int64))  # delta-coded from 0
    values = reader._values
    ends = np.cumsum([len(value) for value in values], dtype=np.int64)
    return ids, np.frombuffer(b"".join(values), dtype=np.uint8), ends


def _inline_values(matcher, wanted: set[int], decode: Callable[[bytes], list]) -> dict[int, list]:
    found = {}
    while matcher.is_active():
        if matcher.id() in wanted:
            found[matcher.id()] = decode(matcher.value())
        matcher.next()
    return found


@dataclass(frozen=True)
class SegmentCache:
    """The shared postings cache, and the keys of an index state's segments (in the
    reader's order) that make its entries each segment's own."""

    cache: PostingsCache
    segment_keys: list[str]

    def loader(self, segment: int) -> CachedLoad:
        return partial(_cached, self.cache, self.segment_keys[segment])


def _cached(cache: PostingsCache, segment: str, key: tuple, load: Callable[[], tuple]) -> tuple:
    return cache.get_or_load((segment, *key), load)


def stored_values(
    searcher,
    fieldname: str,
    btext: bytes,
    docnums: list[int],
    kind: str,
    cache: SegmentCache | None = None,
) -> dict[int, list]:
    """A term's stored values ("characters" or "positions") in each of ``docnums``
    (ascending, the index's numbers) that holds it, segment by segment; the blocks read
    are kept in ``cache`` when given."""
    found: dict[int, list] = {}
    for number, (leaf, offset) in enumerate(searcher.reader().leaf_readers()):
        end = offset + leaf.doc_count_all()
        local = [docnum - offset for docnum in docnums if offset <= docnum < end]
        if not local:
            continue
        loader = _load_uncached if cache is None else cache.loader(number)
        for docnum, held in read_term_values(leaf, fieldname, btext, local, kind, loader).items():
            found[docnum + offset] = held
    return found
