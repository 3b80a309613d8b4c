"""Typos and keyboard slips are corrected from the index's own vocabulary, with a notice
and a way back; initial consonants complete to terms."""

from __future__ import annotations

import dataclasses

import pytest

from indexer import SearchIndex, SearchRequest
from indexer.analysis.morphemes import morpheme_analyzer
from indexer.query.spelling import (
    Vocabulary,
    choseong,
    correct,
    hangul_to_keyboard,
    is_choseong,
    keyboard_to_hangul,
)
from searchweb import create_app


def test_keyboard_slips_are_converted_both_ways():
    assert keyboard_to_hangul("dkfltn") == "아리수"
    assert keyboard_to_hangul("wkddodls") == "장애인"
    assert keyboard_to_hangul("Seoul") is None  # no whole syllables: English, left alone
    assert hangul_to_keyboard("ㅛㅐㅕ소") == "youth"
    assert hangul_to_keyboard("아리수") == "dkfltn"
    assert choseong("아리수") == "ㅇㄹㅅ" and is_choseong("ㅇㄹㅅ") and not is_choseong("ㅇ리")


def test_the_nearest_term_in_jamo_wins_by_frequency():
    vocabulary = Vocabulary.from_counts(
        {"일자리": 50, "자리": 40, "지원": 100, "정년": 30, "청년": 200, "월세": 9}
    )
    assert vocabulary.closest("일지리") == "일자리"  # one vowel
    assert vocabulary.closest("지언") == "지원"
    assert vocabulary.closest("정년") is None  # a term of its own, however common 청년 is
    assert vocabulary.closest("자리") is None
    assert vocabulary.closest("워세") == "월세"  # one jamo missing
    assert vocabulary.closest("우세") is None  # two jamo off in a short word: too far
    assert vocabulary.with_initials("ㅈ", 3) == [("지원", 100), ("자리", 40), ("정년", 30)]


@pytest.fixture(scope="module")
def index(policy_index) -> SearchIndex:
    return policy_index


def search(index, q, **options):
    return index.search(SearchRequest(q=q, **options))


@pytest.mark.parametrize(
    "typed, corrected",
    [
        ("장애인활동지언", "장애인활동지원"),  # a typo inside a compound
        ("어르신 일지리", "어르신 일자리"),  # a whole word one vowel off
        ("의료비 지언", "의료비 지원"),  # a typo some document also holds
        ("dkfltn", "아리수"),  # typed with the keyboard in Latin mode
        ("wkddodls ghkfehd wldnjs", "장애인 활동 지원"),
        # One jamo off inside a word typed without spaces, where the tagger splits the
        # unknown part into syllables it does not know (issue 25).
        ("기초연굼", "기초연금"),
        ("아동수댱", "아동수당"),
        ("국민내일배움카느", "국민내일배움카드"),
        # The tagger reads 장학끔 as 장학 + 끄 + ㅁ: a verb after a noun is still a typo.
        ("국가 장학끔", "국가 장학금"),
    ],
)
def test_a_search_no_document_fully_matches_is_run_corrected_with_a_notice(index, typed, corrected):
    result = search(index, typed)
    # Nothing matches what was typed: the corrected query's results are related results,
    # each saying it was corrected, and neither the total nor the facets count them.
    assert result.searched == corrected and result.total == 0 and result.related_total > 0
    assert all(hit.related and hit.reasons[0].code == "corrected" for hit in result.hits)
    assert result.hits[0].reasons[0].params == {"original": typed, "corrected": corrected}
    assert all(value.count == 0 for facet in result.facets for value in facet.values)
    assert result.notices[0].code == "corrected"
    assert result.notices[0].params == {"original": typed, "corrected": corrected}
    word = corrected.split()[-1]
    assert any(word in hit.title or word in hit.snippet.text for hit in result.hits[:3])
    as_typed = search(index, typed, spell=False)
    assert not as_typed.searched and not any(n.code == "corrected" for n in as_typed.notices)


def test_correctly_spelled_queries_are_left_alone(index):
    for q in ("노인 일자리", "청년 월세 지원", "정년 연장", "도시 재생"):
        result = search(index, q)
        assert not result.searched and not result.suggestion, q


def test_a_word_with_a_particle_is_not_a_typo_of_the_word():
    # 장애인의 is 장애인 + 의, each morpheme a term: only the misspelt word changes.
    vocabulary = Vocabulary.from_counts({"장애인": 100, "활동": 50, "지원": 200})

    def holds(word: str) -> bool:
        return any(term in word for term in ("장애인", "활동", "지원"))

    analyzer = morpheme_analyzer("mecab")
    assert correct("장애인의 활동지언", holds, vocabulary, analyzer, held_too=True) == (
        "장애인의 활동지원"
    )
    assert correct("장애인의 활동지원", holds, vocabulary, analyzer, held_too=True) is None
    # 너무 holds no content morpheme: an adverb, not a typo of the term 나무.
    trees = Vocabulary.from_counts({"나무": 10, "지원": 200})
    assert correct("너무 지언", lambda word: word in ("나무", "지원"), trees, analyzer) == (
        "너무 지원"
    )


def test_an_english_stop_word_is_not_read_as_a_keyboard_slip():
    # "for" typed in Latin mode reads as 랙 in Hangul mode; it is an English word that
    # no index holds (stop words are not indexed), not a slip.
    vocabulary = Vocabulary.from_counts({"랙": 5, "culture": 10, "card": 10})

    def holds(word: str) -> bool:
        return word in ("랙", "culture", "card")

    analyzer = morpheme_analyzer("mecab")
    assert correct("culture card for", holds, vocabulary, analyzer) is None
    assert correct("dkfltn", lambda word: word == "아리수", vocabulary, analyzer) == "아리수"


def test_a_korean_word_of_the_dictionary_is_not_read_as_a_keyboard_slip():
    analyzer = morpheme_analyzer("mecab")
    vocabulary = Vocabulary.from_counts({"눈치": 5})

    def holds(word: str) -> bool:
        return word in ("눈치", "cos", "youth")

    # 챈 (채다) read in Latin mode is "cos", which an index may hold: it is Korean.
    assert correct("눈치 챈", holds, vocabulary, analyzer) is None
    # Jamo that make no Korean word are English typed in Hangul mode.
    assert correct("ㅛㅐㅕ소", holds, vocabulary, analyzer) == "youth"


def test_a_question_keeps_the_words_the_dictionary_knows():
    """피살 and 도둑질 were corrected to 피상 and 도덕질 in questions: words of the
    dictionary that no policy document holds are right as typed there."""
    analyzer = morpheme_analyzer("mecab")
    vocabulary = Vocabulary.from_counts({"피상": 5, "도덕": 5, "사건": 9})

    def holds(word: str) -> bool:
        return word in ("피상", "도덕질", "사건", "아리수")

    question = "김정남 피살 사건 전후의 도둑질 의혹은 무엇인가"
    assert correct(question, holds, vocabulary, analyzer, keep_dictionary_words=True) is None
    # A typo the dictionary does not hold is still corrected in a question, and a
    # short query still offers the nearest term.
    typo = "김정남 사건 전후의 의혹은 무엇인가 dkfltn"
    assert correct(typo, holds, vocabulary, analyzer, keep_dictionary_words=True) == (
        "김정남 사건 전후의 의혹은 무엇인가 아리수"
    )
    assert correct("피살", holds, vocabulary, analyzer) == "피상"


def test_a_long_query_with_an_unknown_word_gets_a_suggestion(index):
    result = search(index, "서울시 장애인 활동 지원 사업 dkfltn")
    # No document holds every content word (dkfltn is in none): related results only.
    assert result.total == 0 and result.related_total > 0 and not result.searched
    assert result.suggestion == "서울시 장애인 활동 지원 사업 아리수"
    assert any(n.code == "did_you_mean" for n in result.notices)


def test_corrections_can_be_turned_off(index):
    settings = dataclasses.replace(index.settings, spelling_corrections=False)
    with SearchIndex(settings.index_dir, settings) as plain:
        assert not plain.search(SearchRequest(q="dkfltn")).searched


def test_initial_consonants_complete_to_frequent_terms(index):
    suggestions = index.suggest("ㅇㄹㅅ")
    assert "아리수" in [s.text for s in suggestions]
    assert all(s.kind == "initials" and choseong(s.text) == "ㅇㄹㅅ" for s in suggestions)
    assert [s.count for s in suggestions] == sorted((s.count for s in suggestions), reverse=True)


def test_the_page_and_the_api_say_what_was_searched(policy_index):
    client = create_app({"SETTINGS": policy_index.settings, "TESTING": True}).test_client()
    data = client.get("/api/search", query_string={"q": "dkfltn", "hl": "ko"}).get_json()
    assert data["searched"] == "아리수" and data["total"] == 0 and data["related_total"] > 0
    assert data["notices"][0]["code"] == "corrected" and "아리수" in data["notices"][0]["message"]
    reason = data["hits"][0]["reasons"][0]
    assert data["hits"][0]["tier"] == "related" and reason["code"] == "corrected"
    assert reason["message"] == "‘dkfltn’에서 고침"
    plain = client.get("/api/search", query_string={"q": "dkfltn", "spell": "0"}).get_json()
    assert plain["searched"] == "" and plain["total"] == plain["related_total"] == 0
    page = client.get("/", query_string={"q": "dkfltn", "hl": "ko"}).get_data(as_text=True)
    assert 'data-code="corrected"' in page and "spell=0" in page
    # No match, said plainly; the corrected query's results under 관련 결과, labelled.
    assert "‘dkfltn’와(과) 일치하는 문서가 없습니다" in page
    assert 'class="related-heading">관련 결과 ' in page and "‘dkfltn’에서 고침" in page
    assert client.get("/api/search?q=x&spell=maybe").status_code == 400


def test_the_cli_says_what_it_searched_and_can_search_as_typed(policy_index):
    from click.testing import CliRunner

    from indexer.cli import main

    index_dir = policy_index.settings.index_dir
    corrected = CliRunner().invoke(main, ["search", "dkfltn", "--index-dir", index_dir])
    assert corrected.exit_code == 0
    assert "related results for '아리수' are shown" in corrected.output
    assert "No document matches 'dkfltn'" in corrected.output
    assert "-- Related results (" in corrected.output
    assert "corrected from 'dkfltn'" in corrected.output
    as_typed = CliRunner().invoke(
        main, ["search", "dkfltn", "--no-spell", "--index-dir", index_dir]
    )
    assert "No documents match 'dkfltn'" in as_typed.output


def test_the_vocabulary_outlives_the_thread_that_built_it(policy_index):
    """A served index builds it on the warm-up thread, which then closes its reader."""
    import threading

    settings = policy_index.settings
    with SearchIndex(settings.index_dir, settings) as index:

        def build_and_close() -> None:
            view = index.readers.current()
            view.shared.vocabulary(view.reader)
            index.close()

        builder = threading.Thread(target=build_and_close)
        builder.start()
        builder.join()
        assert "아리수" in [s.text for s in index.suggest("ㅇㄹㅅ")]
        assert index.search(SearchRequest(q="dkfltn")).searched == "아리수"


def test_a_typo_typed_apart_from_its_compound_makes_the_policy_term():
    """기초 연굼 went to 기초 연구 (the commoner term); 기초연금 is the policy term."""
    analyzer = morpheme_analyzer("mecab")
    vocabulary = Vocabulary.from_counts({"기초": 50, "연구": 40, "연금": 10})

    def holds(word: str) -> bool:
        return word in ("기초", "연구", "연금")

    assert correct("기초 연굼", holds, vocabulary, analyzer) == "기초 연구"
    policy_terms = frozenset({"기초연금"})
    assert correct("기초 연굼", holds, vocabulary, analyzer, preferred=policy_terms) == (
        "기초 연금"
    )


def test_a_verb_the_dictionary_knows_is_never_corrected(index):
    """치매 걸린 부모 치료비 offered 걸리 for 걸린."""
    result = search(index, "치매 걸린 부모 치료비")
    assert not result.suggestion and not result.searched


def test_a_double_final_before_a_vowel_opens_the_next_syllable():
    # 미세먼지 in Latin mode: ㄴ and ㅈ after 머, then ㅣ (hangul-keyboard gave 미세머ㄵㅣ).
    assert keyboard_to_hangul("altpajswl") == "미세먼지"
    assert keyboard_to_hangul("dksgdma") == "않음"  # a double final before a consonant stays
    assert keyboard_to_hangul("dkfltn") == "아리수"


def test_one_unknown_syllable_after_a_known_term_is_corrected_with_it():
    analyzer = morpheme_analyzer("mecab")
    vocabulary = Vocabulary.from_counts({"근로": 30, "장려금": 10, "장려": 20})

    def holds(word: str) -> bool:
        return word in ("근로", "장려금", "장려", "근로장려금")

    assert correct("근로장려굼", holds, vocabulary, analyzer) == "근로장려금"
