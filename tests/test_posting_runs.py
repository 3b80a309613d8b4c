"""The build's pool of postings (engines/whoosh/postingpool.py GroupedPostingPool): runs
cut where Whoosh's own pool cuts them, and the same postings in the same order as Whoosh's
pool gives, whether documents come in order (a writer's) or not (a merge's), through
runs merged into runs, and as a worker's single run; an index written through many runs
answers as one written in memory; a segment written with each field length read once
holds the term statistics Whoosh's own segment writer gives."""

from __future__ import annotations

import random

import pytest
from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import PostingPool, SegmentWriter

from indexer import SearchRequest
from indexer.config import Settings
from indexer.engines.whoosh import postingpool, writer
from indexer.engines.whoosh.postingpool import GroupedPostingPool
from indexer.engines.whoosh.private import ChunkedSegmentWriter
from indexer.engines.whoosh.schema import build_schema, index_values

from .conftest import index_of, policy_documents

# About 60 postings a run at Whoosh's estimate of ~170 bytes a posting.
TINY_LIMIT_MB = 0.01


def _posting(field: str, term: int, doc: int, chosen: random.Random) -> tuple:
    return (field, f"term{term}".encode(), doc, float(chosen.randrange(1, 4)), bytes([doc % 256]))


def _postings_in_no_order(count: int) -> list[tuple]:
    """Postings (field, term, document, weight, value), one per field, term and document,
    in no order (as a merge adds another segment's, term by term)."""
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
    return [_posting(field, term, doc, chosen) for field, term, doc in keys]


def _postings_in_document_order(documents: int) -> list[tuple]:
    """Postings as a writer adds them: a document's after the previous document's, its
    own in no order, a few dozen of the 120 field and term pairs each."""
    chosen = random.Random(8)
    pairs = [(field, term) for field in ("title", "body") for term in range(60)]
    postings = []
    for doc in range(documents):
        for field, term in chosen.sample(pairs, chosen.randrange(1, 40)):
            postings.append(_posting(field, term, doc, chosen))
    return postings


def _pooled(
    folder, pool_class: type[PostingPool], postings: list[tuple], maxfiles: int, limit_mb: float
) -> list[tuple]:
    folder.mkdir()
    storage = FileStorage(str(folder))
    pool = pool_class(storage, None, limitmb=limit_mb)
    for posting in postings:
        pool.add(posting)
    runs = len(pool.runs)
    items = list(pool.items(maxfiles=maxfiles))
    assert pool.runs == [] and storage.list() == []  # every run read and removed
    return [runs, *items]


def _then_a_merges() -> list[tuple]:
    later = [(f, t, doc + 100, w, v) for f, t, doc, w, v in _postings_in_no_order(2000)]
    return _postings_in_document_order(100) + later


ORDERS = {
    "a writer's": lambda: _postings_in_document_order(200),
    "no order": lambda: _postings_in_no_order(5000),
    "a writer's, then a merge's": _then_a_merges,
}


@pytest.mark.parametrize("order", ORDERS)
# 3 files: runs merged into runs first; 100 MB: no run written
@pytest.mark.parametrize(
    "maxfiles,limit_mb", [(128, TINY_LIMIT_MB), (3, TINY_LIMIT_MB), (128, 100)]
)
def test_the_pool_gives_the_postings_whoosh_gives_in_the_same_order(
    tmp_path, monkeypatch, order, maxfiles, limit_mb
):
    monkeypatch.setattr(postingpool, "RUN_CHUNK_POSTINGS", 7)  # chunks end inside runs
    postings = ORDERS[order]()
    expected = _pooled(tmp_path / "whoosh", PostingPool, postings, maxfiles, limit_mb)
    assert expected[1:] == sorted(postings)  # the oracle's oracle
    assert expected[0] > 10 if limit_mb == TINY_LIMIT_MB else expected[0] == 0
    grouped = _pooled(tmp_path / "grouped", GroupedPostingPool, postings, maxfiles, limit_mb)
    assert grouped == expected


def test_a_writers_postings_are_merged_a_term_at_a_time(tmp_path):
    pool = GroupedPostingPool(FileStorage(str(tmp_path)), None, limitmb=TINY_LIMIT_MB)
    for posting in _postings_in_document_order(50):
        pool.add(posting)
    assert pool._in_document_order  # the grouped merge, not the posting-by-posting one
    pool.add(_posting("body", 1, 3, random.Random(1)))
    assert not pool._in_document_order


def test_a_workers_single_run_reads_back_as_its_postings_in_order(tmp_path):
    """What Whoosh's multiprocessing writer does with a worker's pool (finish_subsegment,
    then _read_run in the parent)."""
    postings = _postings_in_document_order(200)
    pool = GroupedPostingPool(FileStorage(str(tmp_path)), None, limitmb=TINY_LIMIT_MB)
    for posting in postings:
        pool.add(posting)
    pool.save()
    pool.reduce_to(1, 4)
    assert len(pool.runs) == 1
    assert list(pool._read_run(pool.runs[0])) == sorted(postings)


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
