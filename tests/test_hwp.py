"""HWP 5.0 and HWPX files read as ../shared/data/hwp-samples/SOURCE.md describes them:
body text, table cells, footnotes inside cells, headers and footers, or the named
rejection. extract-hwp (an independent reader) is the cross-check for the text."""

from __future__ import annotations

import re

import pytest

from indexer import read_corpus
from indexer.reading.formats import FormatError
from indexer.reading.formats.hwp import read_hwp
from indexer.reading.formats.hwpx import read_hwpx

from .conftest import SHARED_DATA

SAMPLES = SHARED_DATA / "hwp-samples"

# file -> phrases its text must hold (whitespace collapsed), from SOURCE.md and the files.
PHRASES = {
    "msit-press-nuri-rocket-2018.hwp": ["보도일시 2018. 9. 4.(화)", "거대공공연구정책과"],
    "msit-press-nuri-rocket-2018.hwpx": ["보도일시 2018. 9. 4.(화)", "거대공공연구정책과"],
    "tkd-foundation-rfp-2025.hwp": [
        "2025년 영업관리시스템 운영 및 유지관리 용역",
        "태권도진흥재단",
    ],
    "nonsan-foundation-official-letter-2024.hwp": [
        "귀 기관의 무궁한 발전을 기원합니다",
        "수신자 참조",
    ],
    "kps-genai-pilot-rfp-2025.hwp": ["생성형 AI 서비스 시범 도입", "추진배경 및 필요성"],
    "kwater-digital-platform-rfp-2025.hwp": ["K-water 디지털플랫폼 구축", "제안공모요강"],
    "molit-green-remodeling-notice.hwp": ["보조사업자 모집 공고", "국토안전관리원"],
    # Table cells, and the footnotes inside them (other readers drop those).
    "moef-fiscal-stats-2011-10.hwp": [
        "통 합 재 정 통 계",
        "177,419",
        "통합재정수지 (A-B)",
        "고정․재고자산, 토지 및 무형자산 매각수입 등",
        "인건비, 임차료, 이자지급",
    ],
    "header-footer.hwp": ["Header", "풋터", "header2"],
    "header-footer.hwpx": ["머리말 테스트", "꼬리말"],
    "moef-press-fdi-2024q1.hwpx": [
        "1분기 해외직접투자는 150.9억 달러",
        "보도시점 2024. 6. 21.(금)",
    ],
    "gangbuk-419-music-festival-rfp-2023.hwpx": ["가을밤의 음악축제", "강 북 구 청"],
    "gangnam-legislative-notice-2023.hwpx": [
        "서울특별시 강남구 공고 제2023-745호",
        "공무직 관리 규정",
    ],
    "opendata-standard-transfer-center.hwpx": ["대중교통환승센터", "국가통합교통체계효율화법"],
    "mcst-press-paris-olympics-2024.hwpx": ["파리 올림픽·패럴림픽", "선수단 격려"],
    "ulsan-namgu-legislative-notice-no-manifest.hwpx": [
        "울산광역시 남구 공고 제2021-174호",
        "구세 조례 일부개정조례안",
    ],
}
REJECTED = {
    "distribution-restricted.hwp": "배포용",
    "password-12345.hwp": "password-protected HWP",
    "password-abcde.hwpx": "password-protected HWPX",
    "broken-utf8-mangled.hwp": "no OLE2 signature",
}


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_sample(name: str):
    data = (SAMPLES / name).read_bytes()
    return read_hwpx(data) if name.endswith(".hwpx") else read_hwp(data)


def test_every_sample_is_either_read_or_rejected_by_name():
    assert set(PHRASES) | set(REJECTED) == {p.name for p in SAMPLES.glob("*.hwp*")}


@pytest.mark.parametrize("name", sorted(PHRASES))
def test_sample_text_holds_its_phrases(name):
    text = collapse(read_sample(name).body)
    missing = [phrase for phrase in PHRASES[name] if phrase not in text]
    assert not missing, f"{name}: missing {missing}"


@pytest.mark.parametrize("name", sorted(REJECTED))
def test_protected_and_broken_samples_are_rejected_with_the_reason(name):
    with pytest.raises(FormatError, match=REJECTED[name]):
        read_sample(name)


def test_the_distribution_stub_is_never_indexed(tmp_path):
    report = read_corpus(SAMPLES)
    texts = " ".join(d.title + d.body for d in report.documents)
    assert "배포용 문서" not in texts
    reasons = {r.path: r.reason for r in report.rejections}
    assert set(reasons) == set(REJECTED)
    assert len(report.documents) == len(PHRASES)


def test_hwp_and_hwpx_twins_give_the_same_text():
    for stem in ("msit-press-nuri-rocket-2018", "header-footer"):
        hwp, hwpx = read_sample(f"{stem}.hwp").body, read_sample(f"{stem}.hwpx").body
        if stem == "header-footer":  # two different synthetic files: same kind of content
            assert hwp and hwpx
            continue
        assert hwp.splitlines() == hwpx.splitlines()


@pytest.mark.parametrize("name", sorted(PHRASES))
def test_text_matches_an_independent_reader(name):
    extract_hwp = pytest.importorskip("extract_hwp")
    theirs = extract_hwp.extract_text_from_hwp(str(SAMPLES / name))
    theirs = theirs[0] if isinstance(theirs, tuple) else theirs
    ours_words = set(collapse(read_sample(name).body).split())
    their_words = set(collapse(theirs).split())
    # Quote marks and a few private-use glyphs differ between readers; the words agree.
    assert len(ours_words & their_words) >= 0.97 * len(their_words), name


def test_junk_metadata_titles_are_replaced_by_the_first_body_line():
    # The metadata titles are "1111", "2", "□ " and the title of another document.
    assert (
        read_sample("gangbuk-419-music-festival-rfp-2023.hwpx").title
        == "- 4·19민주묘지에 울려퍼지는 -"
    )
    assert read_sample("molit-green-remodeling-notice.hwp").title.startswith(
        "「기존 건축물의 에너지"
    )
    # A header word is skipped here; the document's title comes from its layout
    # (tests/test_document_layout.py).
    assert read_sample("msit-press-nuri-rocket-2018.hwp").title.startswith("2018. 9. 4.")
    assert (
        read_sample("kps-genai-pilot-rfp-2025.hwp").title == "[사업명 : 생성형 AI 서비스 시범 도입]"
    )


def test_author_comes_from_the_summary_unless_it_is_a_generic_account():
    assert read_sample("msit-press-nuri-rocket-2018.hwp").author == "이은지"
    assert read_sample("msit-press-nuri-rocket-2018.hwpx").author == "이은지"
    assert read_sample("kwater-digital-platform-rfp-2025.hwp").author == ""  # "Administrator"


def test_a_section_that_inflates_past_the_cap_is_rejected(monkeypatch):
    from indexer.reading.formats import hwp

    monkeypatch.setattr(hwp, "MAX_SECTION_BYTES", 1000)
    with pytest.raises(FormatError, match="inflates past"):
        read_sample("kps-genai-pilot-rfp-2025.hwp")


def test_a_zip_member_over_the_cap_is_rejected(monkeypatch):
    from indexer.reading.formats import hwpx

    monkeypatch.setattr(hwpx, "MAX_PART_BYTES", 1000)
    with pytest.raises(FormatError, match="over 0 MB|unpacks past"):
        read_sample("moef-press-fdi-2024q1.hwpx")


def test_an_hwpx_that_is_not_a_zip_is_rejected():
    with pytest.raises(FormatError, match="not a zip"):
        read_hwpx(b"PK\x03\x04 truncated")
