"""A large corpus's files are read on several processes: what comes back (documents in
order, duplicates, rejections, warnings, skipped files) is what reading them one after
the other gives."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor

import pytest

from indexer import ReadLimits, load_mapping
from indexer.reading import parallel
from indexer.reading.readers import read_sources

from .conftest import write_jsonl


def _record(doc_id: str, body: str = "청년 월세 지원 사업") -> dict:
    return {"id": doc_id, "title": f"제목 {doc_id}", "body": body, "category": ["주거"]}


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    write_jsonl(folder / "a.jsonl", [_record(f"a{n}") for n in range(30)])
    records = [_record(f"b{n}") for n in range(30)] + [_record("a3")]  # a3: a duplicate
    write_jsonl(folder / "b.jsonl", records)
    with open(folder / "b.jsonl", "a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    write_jsonl(folder / "c.jsonl", [_record("c1", "긴 본문 " * 200)])  # truncated: a warning
    (folder / "d.csv").write_text("id,title,body\nd1,공원 조성,마을 공원을 만듭니다\n", "utf-8")
    (folder / "e.md").write_text("# 제설 대책\n\n눈을 치웁니다.\n", "utf-8")
    (folder / "empty.jsonl").write_text("", "utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG")
    return folder


def _read(folder, mapping, workers):
    return read_sources([(folder, mapping)], ReadLimits(max_body_chars=500), workers=workers)


def _same(one, many) -> None:
    assert list(many.documents) == list(one.documents)
    assert many.documents.keys() == one.documents.keys()
    assert many.rejections == one.rejections
    assert many.warnings == one.warnings
    assert many.skipped == one.skipped and many.files_read == one.files_read
    assert many.troubled_files == one.troubled_files
    assert many.rejected_ids == one.rejected_ids


@pytest.fixture
def pools(monkeypatch):
    started = []

    class RecordedPool(ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", RecordedPool)
    return started


def test_reading_on_two_processes_gives_what_one_gives(corpus, pools):
    mapping = load_mapping(None)
    one = _read(corpus, mapping, workers=1)
    assert not pools
    many = _read(corpus, mapping, workers=2)
    assert pools  # the files were read by the workers
    _same(one, many)
    assert len(one.documents) == 30 + 30 + 1 + 1 + 1
    assert any("duplicate id 'a3'" in r.reason for r in one.rejections)
    assert any("truncated" in w.message for w in one.warnings)


def test_a_mapping_read_by_workers_warns_of_its_missing_fields_as_at_home(corpus, pools, tmp_path):
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(
        '[[files]]\nglob = "*.jsonl"\n[files.fields]\ntitle = "title"\n'
        'body = ["body"]\nid = "id"\ndepartment = "부서명"\n',
        "utf-8",
    )
    mapping = load_mapping(str(mapping_file))
    one = _read(corpus, mapping, workers=1)
    many = _read(corpus, mapping, workers=2)
    _same(one, many)
    assert any("부서명" in w.message for w in many.warnings)


def test_the_default_mapping_read_by_workers_asks_for_no_field(corpus, pools):
    many = _read(corpus, load_mapping(None), workers=2)
    assert pools
    assert not [w for w in many.warnings if "but no record in this file" in w.message]


def test_a_small_corpus_is_read_in_this_process(corpus, monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("no worker for a few kilobytes")

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", no_pool)
    report = _read(corpus, load_mapping(None), workers=2)
    assert len(report.documents) == 63
    assert json.loads(json.dumps(report.skipped)) == ["image.png"]
