"""A document's content hash, what a reindex compares with the hash the index holds: it
must not change for the same document, or every document of an index written before
would count as changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from indexer.reading.documents import Document

from .conftest import full_document

DOCUMENT = full_document(body="만 19~39세 청년에게 월 20만 원을 지원합니다.")


def _hash_as_first_written(document: Document) -> str:
    payload = json.dumps(asdict(document), ensure_ascii=False, sort_keys=True)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def test_the_hash_is_the_one_indexes_were_written_with() -> None:
    assert DOCUMENT.content_hash() == _hash_as_first_written(DOCUMENT)
    bare = Document(id="x", title="", body="")
    assert bare.content_hash() == _hash_as_first_written(bare)


def test_any_field_changed_changes_the_hash() -> None:
    changed = [
        Document(**{**asdict(DOCUMENT), "body": DOCUMENT.body + " "}),
        Document(**{**asdict(DOCUMENT), "category": ["주거"]}),
        Document(**{**asdict(DOCUMENT), "year": None}),
        Document(**{**asdict(DOCUMENT), "origin_file": "other.csv"}),
    ]
    hashes = {DOCUMENT.content_hash(), *(document.content_hash() for document in changed)}
    assert len(hashes) == 5
