"""Reading corpora: formats, encodings, mappings, and a rejection for every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from indexer import CorpusError, ReadLimits, load_mapping, read_corpus
from indexer.reading.readers import decode_bytes

from .conftest import PROJECT_ROOT, write_jsonl

KOREAN_TITLE = "서울시 공공자전거 따릉이 운영"
KOREAN_BODY = "따릉이는 서울시의 공공자전거입니다. 시민 누구나 이용할 수 있습니다."


def by_id(report):
    return {d.id: d for d in report.documents}


def minimal_pdf(text: str, title: str = "") -> bytes:
    """A one-page PDF with ``text`` in Helvetica (no text at all when empty, as a scan
    without a text layer), built by hand (offsets computed)."""
    stream = (f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET" if text else "0 0 m 10 10 l S").encode(
        "latin-1"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if title:
        objects.append(f"<< /Title ({title}) >>".encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    info = b" /Info %d 0 R" % len(objects) if title else b""
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        info,
        xref,
    )
    return bytes(out)


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr", "utf-8", "utf-8-sig", "utf-16"])
def test_korean_text_is_decoded_from_each_common_encoding(tmp_path, encoding):
    path = tmp_path / f"notice-{encoding}.txt"
    path.write_bytes(f"{KOREAN_TITLE}\n{KOREAN_BODY}\n".encode(encoding))
    report = read_corpus(path)
    assert not report.rejections
    [document] = report.documents
    assert document.title == KOREAN_TITLE
    assert document.body == KOREAN_BODY


def test_cp949_csv_is_read_with_its_header(tmp_path):
    path = tmp_path / "programs.csv"
    text = "program_title,purpose,department\n청년수당 지급,미취업 청년 지원,일자리정책과\n"
    path.write_bytes(text.encode("cp949"))
    [document] = read_corpus(path).documents
    assert document.title == "청년수당 지급"
    assert document.body == "미취업 청년 지원"
    assert document.department == "일자리정책과"


def test_undecodable_bytes_are_rejected_not_turned_into_mojibake():
    with pytest.raises(ValueError, match="encoding"):
        decode_bytes(bytes(range(128, 256)) * 20)


def test_a_few_invalid_utf8_bytes_are_replaced_with_a_warning(tmp_path):
    path = tmp_path / "mostly.txt"
    path.write_bytes(("제목\n" + "본문 내용입니다. " * 50).encode("utf-8") + b"\xff")
    report = read_corpus(path)
    assert len(report.documents) == 1
    assert any("invalid UTF-8" in w.message for w in report.warnings)


def test_bad_inputs_are_rejected_and_everything_else_is_indexed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = [{"id": f"ok-{i}", "title": f"정책 {i}", "body": KOREAN_BODY} for i in range(3)]
    lines = [json.dumps(r, ensure_ascii=False) for r in good]
    lines.insert(1, '{"id": "broken", "title": "잘린 줄')  # truncated JSON line
    lines.append(json.dumps({"id": "empty", "title": "", "body": ""}, ensure_ascii=False))
    lines.append(
        json.dumps({"id": "typed", "title": {"ko": "객체"}, "body": "본문"}, ensure_ascii=False)
    )
    lines.append("[1, 2, 3]")
    lines.append(json.dumps({"id": "ok-0", "title": "중복", "body": "본문"}, ensure_ascii=False))
    (corpus / "records.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)))
    (corpus / "empty.md").write_bytes(b"")
    (corpus / "old.txt").write_bytes(f"{KOREAN_TITLE}\n{KOREAN_BODY}".encode("cp949"))
    (corpus / "image.png").write_bytes(b"\x89PNG")

    report = read_corpus(corpus)

    assert set(by_id(report)) == {"ok-0", "ok-1", "ok-2", "old.txt"}
    reasons = {(r.path, r.record): r.reason for r in report.rejections}
    assert "invalid JSON" in reasons[("records.jsonl", 2)]
    assert reasons[("records.jsonl", 5)] == "no title and no body text"
    assert "'title' holds dict" in reasons[("records.jsonl", 6)]
    assert "expected an object" in reasons[("records.jsonl", 7)]
    assert "duplicate id 'ok-0'" in reasons[("records.jsonl", 8)]
    assert "binary" in reasons[("binary.txt", None)]
    assert reasons[("empty.md", None)] == "empty file"
    assert len(report.rejections) == 7
    assert "image.png" in report.skipped


def test_a_50_mb_text_file_is_truncated_with_a_warning(tmp_path):
    path = tmp_path / "huge.txt"
    line = "서울시 예산 사업 설명 Seoul budget program text. " * 20 + "\n"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("아주 큰 문서\n")
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(line * 100)
    report = read_corpus(path, limits=ReadLimits(max_body_chars=100_000))
    [document] = report.documents
    assert len(document.body) == 100_000
    [warning] = report.warnings
    assert "truncated to 100,000" in warning.message


def test_files_over_the_size_limit_are_rejected_unread(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("제목\n" + "가" * 5000, encoding="utf-8")
    report_rejected = read_corpus(tmp_path, limits=ReadLimits(max_file_bytes=1000))
    assert "over the limit" in report_rejected.rejections[0].reason


def test_front_matter_html_and_pdf_documents(tmp_path):
    (tmp_path / "plan.md").write_text(
        "---\ntitle: 2030 서울플랜\ndate: 2014.05.20\ncategory: [도시계획, 교통]\n---\n# 개요\n서울의 미래 도시계획입니다.\n",
        encoding="utf-8",
    )
    (tmp_path / "page.html").write_text(
        "<html><head><title>미세먼지 대책</title><style>p{}</style><script>alert(1)</script></head>"
        "<body><h1>미세먼지</h1><p>서울시는 &lt;대책&gt;을 발표했습니다.</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "report.pdf").write_bytes(minimal_pdf("Seoul Smart City Report"))
    docs = by_id(read_corpus(tmp_path))
    plan = docs["plan.md"]
    assert (plan.title, plan.date, plan.year, plan.category) == (
        "2030 서울플랜",
        "2014-05-20",
        2014,
        ["도시계획", "교통"],
    )
    assert "미래 도시계획" in plan.body
    page = docs["page.html"]
    assert (
        page.title == "미세먼지"
    )  # the page's own heading, as the main-content extractor finds it
    assert "<대책>을 발표" in page.body and "alert" not in page.body and "p{}" not in page.body
    assert "Seoul Smart City Report" in docs["report.pdf"].body


def test_a_broken_pdf_is_rejected(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    report = read_corpus(tmp_path)
    assert "PDF" in report.rejections[0].reason


def test_symlink_loops_are_followed_once(tmp_path):
    folder = tmp_path / "docs"
    write_jsonl(folder / "a.jsonl", [{"id": "a", "title": "제목", "body": "본문"}])
    os.symlink(folder, folder / "loop")
    report = read_corpus(folder)
    assert [d.id for d in report.documents] == ["a"]


def test_missing_corpus_path_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nowhere")


def test_mapping_takes_first_non_empty_field_and_joins_body(tmp_path):
    write_jsonl(
        tmp_path / "data" / "programs.jsonl",
        [
            {
                "id": "b1",
                "program_title": "제목",
                "function_category": "",
                "department": "기후환경본부",
                "purpose": "목적",
                "content": "내용",
                "fiscal_year": 2018,
            },
        ],
    )
    (tmp_path / "mapping.toml").write_text(
        '[[files]]\nglob = "*.jsonl"\n[files.fields]\ntitle = "program_title"\n'
        'body = ["purpose", "content"]\ncategory = ["function_category", "department"]\n'
        'year = "fiscal_year"\n',
        encoding="utf-8",
    )
    [document] = read_corpus(
        tmp_path / "data", load_mapping(str(tmp_path / "mapping.toml"))
    ).documents
    assert document.category == ["기후환경본부"]
    assert document.body.startswith("목적\n\n내용")
    assert document.year == 2018


def test_the_shipped_budget_mapping_takes_categories_from_the_function_category_only(tmp_path):
    write_jsonl(
        tmp_path / "seoul_budget_programs_2018.jsonl",
        [
            {
                "id": "b1",
                "program_title": "제목",
                "function_category": "",
                "department": "기후환경본부",
            },
            {
                "id": "b2",
                "program_title": "제목",
                "function_category": "환경",
                "department": "기후환경본부",
            },
        ],
    )
    documents = read_corpus(tmp_path, load_mapping("seoul-budget-promises")).documents
    assert [(d.id, d.category, d.department) for d in documents] == [
        ("b1", [], "기후환경본부"),
        ("b2", ["환경"], "기후환경본부"),
    ]


def test_nested_json_records_through_a_record_path(tmp_path):
    data = {
        "data": [
            {"title": "서울", "paragraphs": [{"context": "첫 문단"}, {"context": "둘째 문단"}]}
        ]
    }
    (tmp_path / "KorQuAD_v1.0_dev.json").write_text(
        json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )
    docs = by_id(read_corpus(tmp_path, load_mapping("korquad-v1-dev")))
    assert docs["서울#1"].body == "둘째 문단" and docs["서울#1"].title == "서울"


def test_a_mapping_naming_a_missing_field_warns_and_names_the_file(tmp_path):
    write_jsonl(
        tmp_path / "data" / "programs.jsonl",
        [
            {"id": "p1", "title": "제목", "text": "본문입니다", "dept": "복지정책실"},
            {"id": "p2", "title": "제목 둘", "text": "두 번째 본문", "dept": "복지정책실"},
        ],
    )
    (tmp_path / "mapping.toml").write_text(
        '[[files]]\nglob = "*.jsonl"\n[files.fields]\nid = "id"\ntitle = "title"\nbody = "text"\n'
        'department = "departmnet"\n',
        encoding="utf-8",
    )
    report = read_corpus(tmp_path / "data", load_mapping(str(tmp_path / "mapping.toml")))
    assert [d.id for d in report.documents] == ["p1", "p2"]
    [warning] = report.warnings
    assert warning.path == "programs.jsonl" and "departmnet" in warning.message
    assert "dept" in warning.message  # the fields that do exist, to spot the typo


def test_a_mapping_naming_a_missing_body_field_indexes_the_titles_and_warns(tmp_path):
    write_jsonl(
        tmp_path / "data" / "programs.jsonl", [{"id": "p1", "title": "제목", "text": "본문"}]
    )
    (tmp_path / "mapping.toml").write_text(
        '[[files]]\nglob = "*.jsonl"\n[files.fields]\ntitle = "title"\nbody = "contents"\n',
        encoding="utf-8",
    )
    report = read_corpus(tmp_path / "data", load_mapping(str(tmp_path / "mapping.toml")))
    assert report.rejections == []
    assert [(d.id, d.title, d.body) for d in report.documents] == [("programs.jsonl#1", "제목", "")]
    assert "contents" in report.warnings[0].message


def test_dangling_symlinks_and_named_pipes_are_rejected_without_blocking(tmp_path):
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "good.jsonl", [{"id": "g", "title": "제목", "body": "본문"}])
    os.symlink(tmp_path / "gone.jsonl", corpus / "dangling.jsonl")
    os.mkfifo(corpus / "pipe.jsonl")  # reading it would block forever
    report = read_corpus(corpus)
    assert [d.id for d in report.documents] == ["g"]
    reasons = {r.path: r.reason for r in report.rejections}
    assert "cannot read file" in reasons["dangling.jsonl"]
    assert "pipe.jsonl" in reasons


UNREADABLE_SCRIPT = """
import sys
from indexer import read_corpus
report = read_corpus(sys.argv[1])
print(sorted(d.id for d in report.documents))
print([r.describe() for r in report.rejections])
"""


def test_an_unreadable_file_is_rejected_and_the_rest_indexed(tmp_path):
    # Root reads any file whatever its mode: drop the two capabilities that let it.
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "open.jsonl", [{"id": "open", "title": "제목", "body": "본문"}])
    write_jsonl(corpus / "secret.jsonl", [{"id": "secret", "title": "비밀", "body": "본문"}])
    (corpus / "secret.jsonl").chmod(0)
    command = [sys.executable, "-c", UNREADABLE_SCRIPT, str(corpus)]
    if os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search"
        command = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert completed.returncode == 0, completed.stderr
    ids_line, rejections_line = completed.stdout.strip().splitlines()[-2:]
    assert ids_line == "['open']"
    assert "secret.jsonl: cannot read file: Permission denied" in rejections_line
