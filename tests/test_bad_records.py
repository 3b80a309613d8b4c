"""One bad record is one rejection, whatever it holds; nothing else is lost."""

from __future__ import annotations

import json
import os

from indexer import read_corpus
from indexer.reading.formats.html import read_html

from .conftest import write_jsonl
from .test_readers import by_id, minimal_pdf


def test_a_title_only_jsonl_of_1000_records_is_indexed_whole(tmp_path):
    write_jsonl(
        tmp_path / "programs.jsonl",
        [
            {
                "id": f"p{i}",
                "title": f"사업 {i}",
                "department": "재정기획관",
                "category": "재정",
                "body": "",
            }
            for i in range(1000)
        ],
    )
    report = read_corpus(tmp_path)
    assert report.rejections == []
    assert len(report.documents) == 1000


def test_each_kind_of_hostile_json_record_costs_only_that_record(tmp_path):
    lines = [
        json.dumps({"id": "good-1", "title": "정상", "body": "본문"}, ensure_ascii=False),
        '{"id": "surrogate", "title": "\\ud800 외로운 서로게이트", "body": "본문"}',
        '{"id": "huge", "title": "큰 수", "body": "본문", "year": ' + "9" * 5000 + "}",
        '{"id": "deep", "title": "깊이", "body": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({"id": "good-2", "title": "정상 둘", "body": "본문"}, ensure_ascii=False),
    ]
    (tmp_path / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = read_corpus(tmp_path)
    docs = by_id(report)
    assert set(docs) == {"good-1", "good-2", "surrogate"}
    assert docs["surrogate"].title == "외로운 서로게이트"  # the lone surrogate removed
    reasons = {r.record: r.reason for r in report.rejections}
    assert set(reasons) == {3, 4}
    assert "digits" in reasons[3] and "nested too deeply" in reasons[4]


def test_line_separators_inside_jsonl_strings_do_not_split_records(tmp_path):
    records = [
        {"id": f"r{i}", "title": f"제목{i}\u2028둘째 줄\u2029셋째\u0085넷째", "body": "본문"}
        for i in range(3)
    ]
    (tmp_path / "r.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    report = read_corpus(tmp_path)
    assert report.rejections == []
    assert sorted(by_id(report)) == ["r0", "r1", "r2"]


def test_a_csv_cell_over_pythons_field_limit_loses_nothing(tmp_path):
    huge = "가" * 200_000
    (tmp_path / "t.csv").write_text(
        f"id,title,body\na,첫째,{huge}\nb,둘째,짧은 본문\nc,셋째,본문\n", encoding="utf-8"
    )
    report = read_corpus(tmp_path)
    assert report.rejections == []
    docs = by_id(report)
    assert sorted(docs) == ["a", "b", "c"] and len(docs["a"].body) == 200_000


def test_a_bad_csv_row_is_rejected_and_the_rows_after_it_are_read(tmp_path):
    (tmp_path / "t.csv").write_text(
        "id,title,body\na,첫째,본문\nb,둘째,본문,남는 칸\nc,셋째,본문\n", encoding="utf-8"
    )
    report = read_corpus(tmp_path)
    assert sorted(by_id(report)) == ["a", "c"]
    assert [(r.record, r.reason) for r in report.rejections] == [
        (2, "row has 1 more cells than the header")
    ]


def test_deeply_nested_and_unclosed_html_is_read(tmp_path):
    nested = (
        "<html><body>" + "<div>" * 48_000 + "깊은 곳의 본문" + "</div>" * 48_000 + "</body></html>"
    )
    paragraphs = "<html><body>" + "".join(f"<p>단락 {i} " for i in range(20_000)) + "</body></html>"
    items = (
        "<html><body><ul>"
        + "".join(f"<li>항목 {i} " for i in range(20_000))
        + "</ul></body></html>"
    )
    assert "깊은 곳의 본문" in read_html(nested).body
    assert "단락 0" in read_html(paragraphs).body and "단락 19999" in read_html(paragraphs).body
    assert "항목 0" in read_html(items).body and "항목 19999" in read_html(items).body


def test_html_is_indexed_by_its_main_content_without_menus_and_footers(tmp_path):
    paragraph = (
        "<p>서울시는 도시재생 뉴딜 사업으로 노후 주거지를 개선하고 생활SOC를 공급합니다.</p>"
    )
    page = (
        "<html><head><title>도시재생 | 서울시</title></head><body>"
        "<nav><ul><li><a href='/'>홈</a></li><li><a href='/m'>사이트맵 로그인</a></li></ul></nav>"
        f"<main><h1>도시재생 뉴딜</h1>{paragraph * 6}</main>"
        "<footer>개인정보처리방침 저작권 서울특별시</footer></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    [doc] = read_corpus(tmp_path).documents
    assert "노후 주거지를 개선" in doc.body
    assert "사이트맵" not in doc.body and "개인정보처리방침" not in doc.body


def test_pdf_junk_titles_are_ignored_and_pages_without_text_are_rejected(tmp_path):
    (tmp_path / "made.pdf").write_bytes(
        minimal_pdf("Seoul Smart City Report", title="Microsoft Word - draft.docx")
    )
    (tmp_path / "scan.pdf").write_bytes(minimal_pdf(""))
    report = read_corpus(tmp_path)
    assert by_id(report)["made.pdf"].title == "Seoul Smart City Report"
    assert [r.reason.split(":")[0] for r in report.rejections] == ["no text layer (scanned?)"]


def test_symlinks_leaving_the_corpus_folder_are_not_followed(tmp_path):
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "ok.jsonl", [{"id": "ok", "title": "제목", "body": "본문"}])
    secret = tmp_path / "secret.txt"
    secret.write_text("비밀번호 목록\nroot:x:0:0", encoding="utf-8")
    outside_dir = tmp_path / "elsewhere"
    write_jsonl(outside_dir / "x.jsonl", [{"id": "x", "title": "밖", "body": "본문"}])
    os.symlink(secret, corpus / "passwd.txt")
    os.symlink(outside_dir, corpus / "linked")
    report = read_corpus(corpus)
    assert sorted(by_id(report)) == ["ok"]
    assert sorted((r.path, r.reason.split(":")[0]) for r in report.rejections) == [
        ("linked", "symlink to a place outside the corpus folder"),
        ("passwd.txt", "symlink to a place outside the corpus folder"),
    ]
