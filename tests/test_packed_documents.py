"""A build holds the documents it read packed (indexer/reading/packed.py): the same
documents come back, in order, in a fraction of the memory."""

from __future__ import annotations

import pickle
import tracemalloc
from pathlib import Path

from indexer import read_corpus
from indexer.reading import packed as packed_module
from indexer.reading.documents import Document
from indexer.reading.packed import PackedDocuments, document_keys, joined, with_ids

from .conftest import full_document, write_jsonl


def _document(number: int) -> Document:
    return full_document(
        id=f"doc-{number}",
        title=f"청년 월세 지원 {number}",
        body="서울시는 청년의 주거비 부담을 덜기 위해 월세를 지원합니다. " * 20,
        year=2024 if number % 2 else None,
        origin_file=f"part-{number % 3}.jsonl",
    )


def test_packed_documents_come_back_equal_and_in_order() -> None:
    documents = [_document(n) for n in range(30)]
    packed = PackedDocuments(documents)
    assert len(packed) == 30
    assert list(packed) == documents
    assert packed[7] == documents[7] and packed[-1] == documents[-1]
    assert packed == documents


def test_a_slice_stays_packed_and_survives_pickling() -> None:
    documents = [_document(n) for n in range(10)]
    chunk = PackedDocuments(documents)[2:5]
    assert isinstance(chunk, PackedDocuments)
    assert list(pickle.loads(pickle.dumps(chunk))) == documents[2:5]


def test_a_document_taken_out_is_a_copy() -> None:
    packed = PackedDocuments([_document(1)])
    taken = packed[0]
    taken.title = "바뀐 제목"
    assert packed[0].title == "청년 월세 지원 1"


def test_joined_keeps_the_order_and_the_packing() -> None:
    packed = PackedDocuments([_document(1), _document(2)])
    carried = [_document(3)]
    both = joined(packed, carried)
    assert isinstance(both, PackedDocuments)
    assert [d.id for d in both] == ["doc-1", "doc-2", "doc-3"]
    assert len(packed) == 2  # the documents read are not changed
    assert joined(packed, []) is packed
    assert joined([_document(4)], carried) == [_document(4), _document(3)]


def _traced_bytes(make) -> tuple[object, int]:
    tracemalloc.start()
    try:
        made = make()
        return made, tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_a_read_corpus_holds_its_documents_in_under_half_the_memory_of_objects(
    tmp_path: Path,
) -> None:
    records = [
        {"id": f"r{n}", "title": f"청년 정책 {n}", "body": f"{n}번 사업: " + "주거 지원 " * 150}
        for n in range(2_000)
    ]
    corpus = write_jsonl(tmp_path / "corpus" / "records.jsonl", records)
    report, packed_bytes = _traced_bytes(lambda: read_corpus(corpus))
    documents = report.documents  # type: ignore[attr-defined]
    assert len(documents) == 2_000
    assert documents[1999].body.startswith("1999번 사업")
    # The same documents as objects of their own (fresh strings, whatever the holder).
    _, object_bytes = _traced_bytes(lambda: pickle.loads(pickle.dumps(list(documents))))
    assert packed_bytes < object_bytes / 2, (packed_bytes, object_bytes)


def test_the_ids_and_content_hashes_are_at_hand_without_unpacking(monkeypatch):
    documents = [_document(n) for n in range(6)]
    packed = PackedDocuments(documents)
    monkeypatch.setattr(packed_module, "_unpacked", _never)
    expected = [(d.id, d.content_hash()) for d in documents]
    assert packed.keys() == expected
    assert list(document_keys(packed)) == expected
    assert packed[2:4].keys() == expected[2:4]
    assert joined(packed, documents[:1]).keys() == [*expected, expected[0]]


def test_documents_chosen_by_id_are_the_only_ones_unpacked(monkeypatch):
    documents = [_document(n) for n in range(8)]
    packed = PackedDocuments(documents)
    unpacked = []
    real = packed_module._unpacked

    def counting(blob):
        unpacked.append(blob)
        return real(blob)

    monkeypatch.setattr(packed_module, "_unpacked", counting)
    chosen = {documents[1].id, documents[6].id, "absent"}
    assert list(with_ids(packed, chosen)) == [documents[1], documents[6]]
    assert len(unpacked) == 2
    assert list(with_ids(documents, chosen)) == [documents[1], documents[6]]  # a plain list


def _never(blob):
    raise AssertionError("unpacked")
