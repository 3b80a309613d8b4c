"""DOCX documents, XLSX rows and CSVs with Korean column names go in without a mapping."""

from __future__ import annotations

import docx
import openpyxl

from indexer import read_corpus

from .test_readers import by_id


def test_docx_paragraphs_tables_headers_and_footers_are_read(tmp_path):
    document = docx.Document()
    document.core_properties.title = "청년 월세 지원 계획"
    document.core_properties.author = "주택정책과"
    document.add_paragraph("서울시는 청년 월세를 지원합니다.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "지원 대상", "만 19~39세 청년"
    table.cell(1, 0).text, table.cell(1, 1).text = "지원 금액", "월 20만원"
    document.sections[0].header.paragraphs[0].text = "서울특별시 보도자료"
    document.sections[0].footer.paragraphs[0].text = "문의 02-120"
    document.save(tmp_path / "plan.docx")

    [doc] = read_corpus(tmp_path).documents
    assert (doc.title, doc.author) == ("청년 월세 지원 계획", "주택정책과")
    for phrase in (
        "청년 월세를 지원",
        "만 19~39세 청년",
        "월 20만원",
        "서울특별시 보도자료",
        "02-120",
    ):
        assert phrase in doc.body


def test_a_docx_without_a_title_takes_its_first_line(tmp_path):
    document = docx.Document()
    document.add_paragraph("")
    document.add_paragraph("2024년 도시재생 사업 공고")
    document.add_paragraph("본문입니다.")
    document.save(tmp_path / "notice.docx")
    assert read_corpus(tmp_path).documents[0].title == "2024년 도시재생 사업 공고"


def test_xlsx_rows_are_records_with_korean_column_names(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["사업명", "사업내용", "담당부서", "분야", "등록일"])
    sheet.append(
        ["청년 창업 지원", "창업 공간과 자금을 지원", "경제정책과", "일자리", "2023-05-01"]
    )
    sheet.append([None, None, None, None, None])  # blank rows are skipped
    sheet.append(["어르신 돌봄", "", "복지정책과", "복지", None])  # title only: still a document
    second = workbook.create_sheet("2024")
    second.append(["제목", "내용"])
    second.append(["공원 조성", "동네 공원을 만듭니다"])
    workbook.save(tmp_path / "programs.xlsx")

    report = read_corpus(tmp_path)
    docs = by_id(report)
    assert report.rejections == []
    first = docs["programs.xlsx#1"]
    assert (first.title, first.body, first.department, first.category, first.date) == (
        "청년 창업 지원",
        "창업 공간과 자금을 지원",
        "경제정책과",
        ["일자리"],
        "2023-05-01",
    )
    assert docs["programs.xlsx#2"].title == "어르신 돌봄"
    assert docs["programs.xlsx#3"].body == "동네 공원을 만듭니다"


def test_a_formula_cell_without_a_saved_result_is_a_warning_not_a_silent_blank(tmp_path):
    workbook = openpyxl.Workbook()  # openpyxl writes formulas without computing them
    sheet = workbook.active
    sheet.append(["사업명", "사업내용", "예산"])
    sheet.append(['=CONCAT("청년 ","월세")', "청년 월세를 지원합니다", "=1+2"])
    sheet.append(["공원 조성", "동네 공원을 만듭니다", 300])
    workbook.save(tmp_path / "formulas.xlsx")
    report = read_corpus(tmp_path)
    assert [w.describe() for w in report.warnings] == [
        "formulas.xlsx record 1: formula without a saved result in 사업명, 예산: read as "
        "empty (open and save the file in Excel or LibreOffice Calc to compute it)"
    ]
    docs = by_id(report)
    assert docs["formulas.xlsx#1"].body == "청년 월세를 지원합니다"
    assert docs["formulas.xlsx#2"].title == "공원 조성"


def test_csv_with_korean_headers_is_read_without_a_mapping(tmp_path):
    (tmp_path / "export.csv").write_text(
        "정책명,본문,소관,카테고리,게시일,링크\n"
        "미세먼지 저감,노후 경유차 운행 제한,기후환경본부,환경,2022.11.03,https://example.org/1\n",
        encoding="utf-8",
    )
    [doc] = read_corpus(tmp_path).documents
    assert (doc.title, doc.body, doc.department, doc.category, doc.date, doc.url) == (
        "미세먼지 저감",
        "노후 경유차 운행 제한",
        "기후환경본부",
        ["환경"],
        "2022-11-03",
        "https://example.org/1",
    )


def test_when_no_column_maps_the_message_lists_the_columns_and_a_mapping_example(tmp_path):
    (tmp_path / "export.csv").write_text("코드,금액\nA1,1000\nA2,2000\n", encoding="utf-8")
    report = read_corpus(tmp_path)
    assert report.documents == []
    assert [r.reason for r in report.rejections] == ["no title and no body text"] * 2
    [hint] = [w.message for w in report.warnings]
    assert "columns: 금액, 코드" in hint and "--mapping" in hint and 'glob = "export.csv"' in hint


def test_a_damaged_docx_or_xlsx_is_rejected_by_name(tmp_path):
    (tmp_path / "bad.docx").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "bad.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy or protected")
    reasons = {r.path: r.reason for r in read_corpus(tmp_path).rejections}
    assert "not a DOCX file" in reasons["bad.docx"]
    assert "password-protected or legacy XLSX" in reasons["bad.xlsx"]


def test_every_cell_of_a_large_docx_table_is_read_and_a_merged_cell_once(tmp_path):
    document = docx.Document()
    table = document.add_table(rows=60, cols=6)
    for row in range(60):
        for column in range(6):
            table.cell(row, column).text = f"칸{row}-{column}"
    table.cell(0, 0).merge(table.cell(0, 1))
    document.save(tmp_path / "table.docx")
    [doc] = read_corpus(tmp_path).documents
    missing = [f"칸{r}-{c}" for r in range(1, 60) for c in range(6) if f"칸{r}-{c}" not in doc.body]
    assert missing == []
    assert doc.body.count("칸0-0") == 1
