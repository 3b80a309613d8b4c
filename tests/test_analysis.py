"""The analyzers: exact offsets, decompounding, query/document symmetry, pickling, threads."""

from __future__ import annotations

import pickle
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from whoosh import index as whoosh_index
from whoosh.lang.porter import stem

from indexer.analysis.morphemes import (
    HangulBigramTokenizer,
    MixedScriptTokenizer,
    bigram_analyzer,
    load_user_terms,
    morpheme_analyzer,
)
from indexer.engines.whoosh.schema import build_schema

KOREAN = (
    "서울시는 광화문광장에서 시민들과 함께 도시재생 사업을 추진했다. 수돗물 아리수는 안전합니다."
)
ENGLISH = "Seoul's Metaverse platform was selected among the best inventions of 2022."
MIXED = "서울시는 Metaverse Seoul을 2022년 11월에 공개했고, COVID-19 대응 漢字 표기도 했다."
IRREGULAR = "  도시재생\t\t활성화지역 \n\n  Smart   City\u3000정책 \r\n 1,000명  "


@pytest.fixture(scope="module")
def analyzer():
    return morpheme_analyzer(user_terms=load_user_terms())


def tokens(analyzer, text, mode="index"):
    return list(analyzer(text, positions=True, chars=True, mode=mode))


@pytest.mark.parametrize("text", [KOREAN, ENGLISH, MIXED, IRREGULAR])
def test_every_token_points_at_the_surface_it_came_from(analyzer, text):
    found = tokens(analyzer, text)
    assert found
    for token in found:
        surface = text[token.startchar : token.endchar]
        assert surface.strip() == surface and surface, (token.text, surface)
        if re.fullmatch(r"[A-Za-z']+", surface):
            assert stem(surface.lower().removesuffix("'s")) == token.text
        elif surface.replace(",", "").isdigit():
            assert surface.replace(",", "") == token.text
        else:
            assert surface == token.text, (token.text, surface)


def test_offsets_hold_with_a_start_char(analyzer):
    for token in analyzer(MIXED, positions=True, chars=True, start_char=100):
        assert ("x" * 100 + MIXED)[token.startchar : token.endchar]


def test_bigram_offsets_cover_their_two_syllables_across_spaces():
    text = "장애인 활동지원, 도시재생"
    found = list(bigram_analyzer()(text, positions=True, chars=True))
    assert [t.text for t in found] == [
        "장애",
        "애인",
        "인활",
        "활동",
        "동지",
        "지원",
        "도시",
        "시재",
        "재생",
    ]
    for token in found:
        assert text[token.startchar : token.endchar].replace(" ", "") == token.text


def test_particles_and_endings_are_dropped_content_morphemes_kept(analyzer):
    texts = [t.text for t in tokens(analyzer, "서울시는 시민들에게 정책을 설명했다")]
    assert "는" not in texts and "에게" not in texts and "을" not in texts and "다" not in texts
    assert {"서울시", "시민", "정책", "설명"} <= set(texts)


def test_english_is_lowercased_stemmed_and_stop_words_dropped(analyzer):
    texts = [t.text for t in tokens(analyzer, "The Policies of the Cities")]
    assert texts == ["polici", "citi"]


def test_numbers_and_hanja_are_kept(analyzer):
    texts = [t.text for t in tokens(analyzer, "2022년 漢江 예산 1,500")]
    assert "2022" in texts and "漢江" in texts and "1500" in texts


@pytest.mark.parametrize(
    "compound, parts",
    [
        ("광화문광장", ["광화문", "광장"]),
        ("공유도시", ["공유", "도시"]),
        ("수돗물", ["수돗", "물"]),
        ("서울시", ["서울", "시"]),
    ],
)
def test_compound_nouns_are_indexed_whole_and_as_parts(analyzer, compound, parts):
    found = tokens(analyzer, f"{compound}에서")
    whole = [t for t in found if t.text == compound]
    assert whole and list(whole[0].compound_parts) == parts
    assert [t.text for t in found if t.is_part] == parts
    # Parts sit at consecutive positions starting at the whole token's, so phrases match.
    positions = [t.pos for t in found if t.is_part]
    assert positions == list(range(whole[0].pos, whole[0].pos + len(parts)))


def test_user_dictionary_keeps_domain_terms_whole(analyzer):
    texts = [t.text for t in tokens(analyzer, "따릉이를 타고 아리수를 마셨다")]
    assert "따릉이" in texts and "아리수" in texts
    assert "릉" not in texts


def test_user_dictionary_file_adds_terms(tmp_path):
    extra = tmp_path / "terms.txt"
    extra.write_text("# comment\n청년몰\n", encoding="utf-8")
    analyzer = morpheme_analyzer(user_terms=load_user_terms(extra))
    assert "청년몰" in [t.text for t in analyzer("청년몰에서")]


@pytest.mark.parametrize(
    "query, document",
    [
        ("서울시는", "서울시의 정책"),
        ("광화문광장에서", "광화문광장 조성"),
        ("policies", "policy"),
        ("도시재생을", "도시재생 사업"),
    ],
)
def test_query_and_document_analysis_agree(analyzer, query, document):
    query_terms = {t.text for t in tokens(analyzer, query, mode="query") if not t.is_part}
    document_terms = {t.text for t in tokens(analyzer, document, mode="index")}
    assert query_terms and query_terms <= document_terms


def test_analyzer_pickles_without_its_tagger_and_rebuilds_it(analyzer):
    before = [(t.text, t.startchar, t.endchar) for t in tokens(analyzer, MIXED)]  # tagger in use
    data = pickle.dumps(analyzer)
    assert b"Tagger" not in data and b"MeCab" not in data
    restored = pickle.loads(data)
    assert restored == analyzer
    assert [(t.text, t.startchar, t.endchar) for t in tokens(restored, MIXED)] == before


def test_schema_round_trips_through_a_whoosh_index_on_disk(tmp_path, settings):
    schema = build_schema(settings)
    ix = whoosh_index.create_in(str(tmp_path), schema)
    ix.close()
    reopened = whoosh_index.open_dir(str(tmp_path))
    assert isinstance(reopened.schema["body"].analyzer, MixedScriptTokenizer)
    assert isinstance(reopened.schema["body_bigram"].analyzer, HangulBigramTokenizer)
    assert [t.text for t in reopened.schema["body"].analyzer("아리수는")] == ["아리수"]


def test_analysis_gives_the_same_tokens_from_many_threads(analyzer):
    texts = [KOREAN, MIXED, IRREGULAR, ENGLISH] * 25
    expected = {
        text: [(t.text, t.startchar) for t in tokens(analyzer, text)] for text in set(texts)
    }

    def analyse(text):
        return text, [(t.text, t.startchar) for t in tokens(analyzer, text)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        for text, result in pool.map(analyse, texts):
            assert result == expected[text]
