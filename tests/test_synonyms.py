"""Synonyms at query time: the words users type find the words documents use, weighted
below the words typed, shown to the user; an operator's file in the Solr format."""

from __future__ import annotations

import dataclasses

import pytest

from indexer import ConfigError, SearchIndex, SearchRequest
from indexer.query.synonyms import Thesaurus, load_thesaurus, parse_synonyms


def test_the_solr_format_reads_equivalents_and_one_way_mappings():
    parsed = parse_synonyms(
        [
            "# policy words",
            "어르신, 노인, 고령자",
            "병원비 => 의료비, 진료비",
            "",
            "월세 => 임대료  # rent",
        ],
        "test.txt",
    )
    assert parsed["어르신"] == ["노인", "고령자"] and parsed["노인"] == ["어르신", "고령자"]
    assert parsed["병원비"] == ["의료비", "진료비"] and "의료비" not in parsed
    assert parsed["월세"] == ["임대료"]
    for bad in ("병원비 =>", "=> 의료비", ", ,", "구직 => 취업 => 일자리"):
        with pytest.raises(ConfigError, match="test.txt line 1"):
            parse_synonyms([bad], "test.txt")


def test_a_word_with_a_particle_finds_its_entry():
    thesaurus = Thesaurus({"어르신": ("노인",)})
    assert thesaurus.of("어르신들의") == ("노인",) and thesaurus.of("어르신") == ("노인",)
    assert thesaurus.of("어르") == () and thesaurus.of("청년") == ()
    assert thesaurus.entry("어르신이") == ("어르신", ("노인",))  # what a notice names


def test_an_entry_of_several_words_matches_them_typed_together():
    parsed = parse_synonyms(["젊은 사람 => 청년", "sign language => 수어"], "t")
    thesaurus = Thesaurus({key: tuple(words) for key, words in parsed.items()})
    assert thesaurus.of_words(["젊은", "사람의", "월세"]) == [(0, 2, ("청년",))]
    assert thesaurus.of_words(["free", "sign", "language"]) == [(1, 3, ("수어",))]
    assert thesaurus.of_words(["사람", "젊은"]) == [] and thesaurus.of("젊은") == ()


def test_several_words_typed_together_find_the_documents_word(policy_index):
    # The phrase's translation ranks it (similar meaning, which reorders, is left out).
    result = policy_index.search(SearchRequest(q="sign language interpretation", semantic=False))
    assert "수어통역센터" in titles(result, 3)
    translated = [n.params for n in result.notices if n.code == "translated"]
    assert {"word": "sign language", "translations": "수어, 수화"} in translated


def test_the_shipped_thesaurus_maps_citizens_words_to_administrative_ones():
    shipped = load_thesaurus(True)
    assert "노인" in shipped.of("어르신") and "의료비" in shipped.of("병원비")
    assert "기초생활수급자" in shipped.of("기초수급자")
    assert shipped.of("아리수") == ()  # a brand is not widened to the generic word


def titles(result, n=5):
    return [hit.title for hit in result.hits[:n]]


def test_citizens_words_find_the_programs_and_the_words_typed_rank_first(policy_index):
    result = policy_index.search(SearchRequest(q="어르신 일자리"))
    assert "노인 일자리 및 사회활동 지원" in titles(result)  # the national program
    # The word typed ranks with it: Seoul's 어르신 program beside the national 노인 one.
    assert any("어르신" in title for title in titles(result, 2))
    notice = next(n for n in result.notices if n.code == "synonyms")
    assert notice.params == {"word": "어르신", "synonyms": "노인, 고령자"}
    assert notice.text("ko") == "‘어르신’에 노인, 고령자 포함"
    question = policy_index.search(SearchRequest(q="어르신이 받을 수 있는 일자리"))
    said = next(n for n in question.notices if n.code == "synonyms")
    assert said.params["word"] == "어르신"  # not 어르신이, the word with its particle
    medical = policy_index.search(SearchRequest(q="병원비 지원"))
    assert all("의료비" in t or "진료비" in t or "병원비" in t for t in titles(medical, 4))


def test_synonyms_can_be_turned_off_and_an_operator_file_added(policy_index, tmp_path):
    settings = policy_index.settings
    with SearchIndex(settings.index_dir, dataclasses.replace(settings, synonyms=False)) as plain:
        result = plain.search(SearchRequest(q="어르신 일자리"))
        assert "노인 일자리 및 사회활동 지원" not in titles(result)
        assert not any(n.code == "synonyms" for n in result.notices)
    custom = tmp_path / "synonyms.txt"
    custom.write_text("우리물 => 아리수  # a word no document holds\n", encoding="utf-8")
    operator = dataclasses.replace(settings, synonyms=False, synonyms_file=str(custom))
    with SearchIndex(settings.index_dir, operator) as index:
        found = index.search(SearchRequest(q="우리물"))
        assert found.total > 0 and all("아리수" in t for t in titles(found, 3))


def test_a_missing_synonyms_file_is_a_clear_configuration_error(tmp_path):
    from indexer import load_settings

    with pytest.raises(ConfigError, match="no file .*missing.txt"):
        load_settings(None, environ={}, synonyms_file=str(tmp_path / "missing.txt"))
    with pytest.raises(ConfigError, match="synonym_weight"):
        load_settings(None, environ={}, synonym_weight=1.5)


def test_a_part_of_a_compound_typed_without_spaces_finds_its_synonyms(tmp_path):
    """청년월세지원 typed as one word: its part 월세 finds 임대료 as 월세 typed apart does."""
    from .conftest import index_of

    records = [
        {"id": "rent", "title": "청년 임대료 지원", "body": "청년에게 임대료를 지원합니다."},
        {"id": "other", "title": "청년 창업 지원", "body": "청년 창업을 지원합니다."},
    ]
    with index_of(tmp_path, records) as index:
        joined = index.search(SearchRequest(q="청년월세지원"))
        apart = index.search(SearchRequest(q="청년 월세 지원"))

    def matches(result):
        return [hit.id for hit in result.hits if not hit.related]

    assert matches(joined) == matches(apart) == ["rent"]
    assert joined.total == apart.total == 1
    notice = next(n for n in joined.notices if n.code == "synonyms")
    assert notice.params["word"] == "월세" and "임대료" in notice.params["synonyms"]
    assert joined.hits[0].reasons[0].code == "synonym"


def test_the_noun_of_a_set_phrase_is_not_expanded(policy_index):
    """마음에 들다 is "to like": 마음 there does not bring in 정신건강, 심리."""
    for q in ("마음에 드는 집", "마음에 들다", "마음에 든 공원"):
        result = policy_index.search(SearchRequest(q=q, size=5))
        assert not any(
            n.code == "synonyms" and n.params["word"] == "마음" for n in result.notices
        ), q
    alone = policy_index.search(SearchRequest(q="마음 건강 상담", size=5))
    assert any(n.code == "synonyms" and n.params["word"] == "마음" for n in alone.notices)
