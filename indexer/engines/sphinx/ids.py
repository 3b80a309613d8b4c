"""Ids of documents, facet values and terms in the cluster: 63-bit hashes, the same in
every process and release (Sphinx ids are positive 64-bit numbers)."""

from __future__ import annotations

import hashlib


def stable_id(text: str) -> int:
    """A 63-bit id of ``text`` (document ids, facet values): the same everywhere."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()
    return max(2, int.from_bytes(digest, "big") & (2**63 - 1))


def value_id(field: str, value: str) -> int:
    """The id a keyword value is held, filtered and counted by in the cluster."""
    return stable_id(f"{field}:{value}")


def shard_of(doc_id: str, shard_count: int) -> int:
    return stable_id(doc_id) % shard_count
