"""Documents that read like documents: the title, date, department, contact and kind a
person reading an HWP/HWPX file writes down, taken from the document's own layout
(indexer/reading/layout.py), never a header word such as 보도일시."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from indexer import read_corpus
from indexer.cli import main
from indexer.model.results import StoredDocument
from indexer.reading.layout import read_layout
from searchweb.cite import citation

from .conftest import SHARED_DATA

SAMPLES = SHARED_DATA / "hwp-samples"

# Written by reading each sample (../shared/data/hwp-samples, SOURCE.md describes them):
# file -> (kind, title, date, year, department). "" where the document does not say.
READ_BY_A_PERSON = {
    "msit-press-nuri-rocket-2018.hwp": (
        "보도자료",
        "우리가 독자 개발하여 최초 발사하는 한국형발사체, 국민이 정한 그 이름은 ｢누리｣",
        "2018-09-04",
        2018,
        "거대공공연구정책과",
    ),
    "moef-press-fdi-2024q1.hwpx": (
        "보도자료",
        "‘24년 1분기 해외직접투자는 150.9억 달러로 전년동기비 14.6% 감소",
        "2024-06-21",
        2024,
        "대외경제국",
    ),
    "mcst-press-paris-olympics-2024.hwpx": (
        "보도자료",
        "2024 파리 올림픽·패럴림픽 준비하는 우리 선수단 격려한다",
        "2024-01-02",
        2024,
        "문화체육관광부 체육국",
    ),
    "gangnam-legislative-notice-2023.hwpx": (
        "입법예고",
        "서울특별시 강남구 공무직 관리 규정 일부개정규칙안 입법예고",
        "2023-03-24",
        2023,
        "서울특별시 강남구청",
    ),
    "ulsan-namgu-legislative-notice-no-manifest.hwpx": (
        "입법예고",
        "울산광역시 남구 구세 조례 일부개정조례안",
        "2021-02-05",
        2021,
        "울산광역시 남구청",
    ),
    "molit-green-remodeling-notice.hwp": (
        "공고",
        "「기존 건축물의 에너지·온실가스 시뮬레이터 고도화·운영관리 및 저변 확산」사업 수행 "
        "보조사업자 모집 공고",
        "2026-03-23",
        2026,
        "국토안전관리원",
    ),
    "nonsan-foundation-official-letter-2024.hwp": (
        "공문",
        "「논산 문화가 있는 피크닉 데이 041 무대설치 및 행사운영 용역」제안서 평가위원(후보자) "
        "추천 협조 요청",
        "2024-07-24",
        2024,
        "(재)논산문화관광재단 문화기획팀",
    ),
    "gangbuk-419-music-festival-rfp-2023.hwpx": (
        "제안요청서",
        "『제2회 가을밤의 음악축제』 행사대행 용역 제안요청서",
        "2023-07-05",
        2023,
        "강북구청 문화관광체육과",
    ),
    "tkd-foundation-rfp-2025.hwp": (
        "제안요청서",
        "2025년 영업관리시스템 운영 및 유지관리 용역 제안요청서",
        "",  # "2024년 12월": a month, no day
        2024,
        "태권도진흥재단 디지털정보화부",
    ),
    "kps-genai-pilot-rfp-2025.hwp": (
        "제안요청서",
        "생성형 AI 서비스 시범 도입 제안요청서",
        "",  # "2025. 8."
        2025,
        "",
    ),
    "kwater-digital-platform-rfp-2025.hwp": (
        "제안요청서",
        "K-water 디지털플랫폼 구축 제안 요청서",
        "",  # "2025. 1."
        2025,
        "K-water 디지털전환추진단",  # ※ 제안관련 문의 : K-water 디지털전환추진단 (☎ ...)
    ),
    "moef-fiscal-stats-2011-10.hwp": ("", "통합재정통계 (2011.10월 누계 기준/잠정)", "", 2011, ""),
    "opendata-standard-transfer-center.hwpx": (
        "",
        "공공데이터 제공 표준 (2023.5.18.)",
        "2023-05-18",
        2023,
        "",
    ),
}


@pytest.fixture(scope="module")
def samples():
    if not SAMPLES.is_dir():
        pytest.skip("../shared/data/hwp-samples is not here")
    return {d.id: d for d in read_corpus(SAMPLES).documents}


@pytest.mark.parametrize("name", sorted(READ_BY_A_PERSON))
def test_each_sample_reads_as_a_person_reads_it(samples, name):
    document = samples[name]
    kind, title, when, year, department = READ_BY_A_PERSON[name]
    assert (document.kind, document.title) == (kind, title)
    assert (document.date, document.year, document.department) == (when, year, department)
    assert document.date_source  # every sample says where its date is


def test_the_date_says_where_it_came_from(samples):
    sources = {name: samples[name].date_source for name in READ_BY_A_PERSON}
    assert sources["msit-press-nuri-rocket-2018.hwp"] == "보도일시"
    assert sources["moef-press-fdi-2024q1.hwpx"] == "보도시점"
    assert sources["nonsan-foundation-official-letter-2024.hwp"] == "시행"
    assert sources["gangbuk-419-music-festival-rfp-2023.hwpx"] == "문서 첫머리"
    assert sources["tkd-foundation-rfp-2025.hwp"] == "문서 첫머리 (2024년 12월)"


def test_a_press_release_names_its_contact(samples):
    assert samples["msit-press-nuri-rocket-2018.hwp"].author == "용찬재 사무관(02-2110-2428)"
    assert samples["mcst-press-paris-olympics-2024.hwpx"].author == "사무관 최준규 (044-203-3129)"


def test_hwp_and_hwpx_twins_read_the_same(samples):
    first, second = (
        samples["msit-press-nuri-rocket-2018.hwp"],
        samples["msit-press-nuri-rocket-2018.hwpx"],
    )
    fields = ("title", "kind", "date", "date_source", "department", "author")
    assert [getattr(first, f) for f in fields] == [getattr(second, f) for f in fields]


def test_no_title_is_a_header_word(samples):
    header_words = {"보도일시", "보도자료", "제안요청서", "입법예고", "공고"}
    for document in samples.values():
        assert document.title.replace(" ", "") not in header_words, document.id


def test_a_month_without_a_day_is_never_made_a_day():
    layout = read_layout("제 안 요 청 서\n[사업명 : 도서관 시스템 구축]\n2025. 8.\n목 차")
    assert (layout.kind, layout.title) == ("제안요청서", "도서관 시스템 구축 제안요청서")
    assert (layout.date, layout.date_source) == ("2025-08", "문서 첫머리")


def test_a_notice_number_is_not_a_date_and_the_issuer_is_the_department():
    layout = read_layout(
        "서울특별시 종로구 공고 제2024-1203호\n주차장 조례 개정안을 다음과 같이 공고합니다.\n"
        "2024년 5월 7일\n서울특별시 종로구청장\n종로구 주차장 조례 일부개정조례안 공고"
    )
    assert (layout.kind, layout.date, layout.department) == (
        "공고",
        "2024-05-07",
        "서울특별시 종로구청",
    )
    assert layout.title == "종로구 주차장 조례 일부개정조례안 공고"


def test_an_official_letter_takes_its_subject_and_the_line_that_sent_it():
    layout = read_layout(
        "서울특별시\n수신 수신자 참조\n(경유)\n제목 2025년 청년 정책 협의회 개최 알림\n"
        "1. 관련: 청년정책과-100\n2. 협의회를 개최하오니 참석하여 주시기 바랍니다.\n끝.\n"
        "서울특별시장\n시행 청년정책과-2345 (2025. 3. 4.)\n접수"
    )
    assert (layout.kind, layout.title) == ("공문", "2025년 청년 정책 협의회 개최 알림")
    assert (layout.date, layout.date_source) == ("2025-03-04", "시행")
    assert layout.department == "서울특별시 청년정책과"


def test_whom_to_ask_is_the_department_only_when_nothing_else_names_one():
    rfp = read_layout(
        "제안요청서\n[사업명 : 정보시스템 유지관리]\n2025. 3.\n※ 문의 : 서울시 정보화기획과 (☎ 02-2133-1234)"
    )
    assert rfp.department == "서울시 정보화기획과"
    named = read_layout(
        "보도자료\n서울시 청년 정책 발표합니다\n담당부서\n청년정책과\n문의 : 홍보과 (02-1234-5678)"
    )
    assert named.department == "청년정책과"


def test_a_document_without_a_known_layout_keeps_its_first_line(tmp_path):
    layout = read_layout("서울시 자전거 이용 실태\n조사 결과를 정리합니다.")
    assert layout == type(layout)()  # nothing claimed


def test_the_cli_lists_kinds_as_a_facet_and_a_press_release_cites_fully(tmp_path, samples):
    if not SAMPLES.is_dir():
        pytest.skip("../shared/data/hwp-samples is not here")
    index_dir = str(tmp_path / "ix")
    runner = CliRunner()
    built = runner.invoke(main, ["index", str(SAMPLES), "--index-dir", index_dir, "-q"])
    assert built.exit_code == 3, built.output  # the encrypted, 배포용 and broken ones
    found = json.loads(
        runner.invoke(main, ["search", "", "--json", "--index-dir", index_dir]).stdout
    )
    kinds = {
        v["value"]: v["count"] for f in found["facets"] if f["name"] == "kind" for v in f["values"]
    }
    assert kinds == {"보도자료": 4, "제안요청서": 4, "입법예고": 2, "공고": 1, "공문": 1}
    release = samples["msit-press-nuri-rocket-2018.hwp"]
    stored = StoredDocument.from_stored({**release.__dict__, "category": []})
    line = citation(stored, "ko", "http://x/doc/1", date(2026, 12, 7))
    assert line.startswith(
        "거대공공연구정책과, 「우리가 독자 개발하여 최초 발사하는 한국형발사체, 국민이 정한 그 "
        "이름은 ｢누리｣」, 2018-09-04."
    )


def test_a_header_word_is_skipped_when_the_first_line_titles_a_file():
    from indexer.reading.formats.titles import choose_title

    assert (
        choose_title("보도일시", "보도일시\n\n서울시 청년 월세 지원 확대")
        == "서울시 청년 월세 지원 확대"
    )
    assert choose_title("", "공 고\n2025년 공공근로 참여자 모집") == "2025년 공공근로 참여자 모집"
