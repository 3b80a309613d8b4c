"""The build's sorted runs of postings: written to disk in chunks (engines/whoosh/private.py
ChunkedPostingPool), cut where Whoosh's own pool cuts them and read back as the same
postings in the same order; an index written through many runs answers as one written in
memory; a segment written with each field length read once holds the term statistics
Whoosh's own segment writer gives."""

from __future__ import annotations

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool, SegmentWriter

from indexer import SearchRequest
from indexer.config import Settings
from indexer.engines.whoosh import private, writer
from indexer.engines.whoosh.private import ChunkedPostingPool, ChunkedSegmentWriter
from indexer.engines.whoosh.schema import build_schema, index_values

from .conftest import index_of, policy_documents

# About 60 postings a run at Whoosh's estimate of ~170 bytes a posting.
TINY_LIMIT_MB = 0.01


def _postings(count: int) -> list[tuple]:
    """Postings as a writer adds them: (field, term, document, weight, value), one per
    field, term and document, in no order."""
    chosen = random.Random(7)
    keys = chosen.sample(
        [
            (field, term, doc)
            for field in ("title", "body")
            for term in range(60)
            for doc in range(60)
        ],
        count,
    )
    return [
        (field, f"term{term}".encode(), doc, float(chosen.randrange(1, 4)), bytes([doc % 256]))
        for field, term, doc in keys
    ]


def _pooled(
    folder, pool_class: type[PostingPool], postings: list[tuple], maxfiles: int
) -> list[tuple]:
    folder.mkdir()
    storage = FileStorage(str(folder))
    pool = pool_class(storage, None, limitmb=TINY_LIMIT_MB)
    for posting in postings:
        pool.add(posting)
    runs = len(pool.runs)
    items = list(pool.items(maxfiles=maxfiles))
    assert pool.runs == [] and storage.list() == []  # every run read and removed
    return [runs, *items]


@pytest.mark.parametrize("maxfiles", [128, 3])  # 3: runs merged into runs first
def test_chunked_runs_give_the_postings_whoosh_gives_in_the_same_order(
    tmp_path, monkeypatch, maxfiles
):
    monkeypatch.setattr(private, "RUN_CHUNK_POSTINGS", 7)  # chunks end inside runs
    postings = _postings(5000)
    expected = _pooled(tmp_path / "whoosh", PostingPool, postings, maxfiles)
    assert expected[1:] == sorted(postings)  # the oracle's oracle
    assert expected[0] > 10
    assert _pooled(tmp_path / "chunked", ChunkedPostingPool, postings, maxfiles) == expected


RECORDS = [
    {
        "id": f"doc{n}",
        "title": f"청년 월세 지원 {n}호",
        "body": f"서울시 {n}번째 사업 주거 지원 rent",
    }
    for n in range(60)
] + [{"id": "library", "title": "작은도서관 육성", "body": "마을 도서관에 책을 구입해 드립니다."}]


def test_an_index_written_through_many_runs_answers_as_one_written_in_memory(tmp_path, monkeypatch):
    def answers(index):
        return [
            (result.total, [(hit.id, round(hit.score or 0, 6)) for hit in result.hits])
            for result in (
                index.search(SearchRequest(q=q, size=100)) for q in ["청년 월세", "도서관", "rent"]
            )
        ]

    in_memory = answers(index_of(tmp_path / "memory", RECORDS))
    monkeypatch.setattr(writer, "WRITER_MEMORY_MB", TINY_LIMIT_MB)
    assert answers(index_of(tmp_path / "runs", RECORDS)) == in_memory
    assert in_memory[1][0] == 1 and in_memory[0][0] == 60


def _term_statistics(folder, writer_class: type[SegmentWriter], documents) -> dict:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(Settings()))
    writer = writer_class(ix)
    for document in documents:
        writer.add_document(**index_values(document))
    writer.commit()
    with ix.reader() as reader:
        statistics = {}
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            statistics[fieldname, term] = (
                info.weight(),
                info.doc_frequency(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
                list(reader.postings(fieldname, term).all_items()),
            )
    return statistics


def test_a_segment_holds_the_term_statistics_whooshs_own_writer_gives(tmp_path):
    documents = policy_documents()[:150]
    expected = _term_statistics(tmp_path / "whoosh", SegmentWriter, documents)
    assert len({key[0] for key in expected}) > 10 and len(expected) > 5000
    assert any(stats[3] > stats[2] > 0 for stats in expected.values())  # lengths differ
    assert _term_statistics(tmp_path / "ours", ChunkedSegmentWriter, documents) == expected
