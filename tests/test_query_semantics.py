"""What a query means: field prefixes filter and are never relaxed, a relaxed query keeps
documents with at least half of its words, and a part of a word is not marked alone.
Each behaviour has a setting that turns it off; the tests check both sides."""

from __future__ import annotations

import dataclasses

import pytest

from indexer import SearchIndex, SearchRequest, build_index, read_corpus

from .conftest import make_settings, write_jsonl

DOCUMENTS = [
    {
        "id": "dust-2014",
        "title": "미세먼지 저감 대책",
        "body": "도로 청소를 늘립니다.",
        "year": 2014,
    },
    {
        "id": "dust-2018",
        "title": "미세먼지 저감 사업",
        "body": "공기청정기를 보급합니다.",
        "year": 2018,
    },
    {"id": "youth-2014", "title": "청년 주거 안정", "body": "임대주택을 공급합니다.", "year": 2014},
    {
        "id": "all-three",
        "title": "청년 월세 지원",
        "body": "청년에게 월세를 지원합니다.",
        "year": 2018,
    },
    {
        "id": "two-of-three",
        "title": "청년 월세 부담",
        "body": "청년 가구의 월세 부담을 조사합니다.",
        "year": 2018,
    },
    {
        "id": "one-word",
        "title": "중소기업 지원 사업",
        "body": "기술 개발을 돕습니다.",
        "year": 2018,
    },
    {
        "id": "turkey",
        "title": "쿠데타 미수",
        "body": "터키 총리 비날리 을드름. 그 이름은 널리 알려졌다.",
        "year": 2016,
    },
    {
        "id": "toys",
        "title": "장난감 대여 센터",
        "body": "아이들에게 장난감을 대여합니다.",
        "year": 2018,
    },
    {
        "id": "jobs",
        "title": "어르신 일자리",
        "body": "일자리 사업은 주5일, 하루 4시간 근무합니다.",
        "year": 2018,
    },
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("semantics")
    write_jsonl(root / "corpus" / "docs.jsonl", DOCUMENTS)
    return root


def open_index(corpus, **overrides) -> SearchIndex:
    settings = make_settings(corpus, index_dir=str(corpus / "index"), **overrides)
    if not (corpus / "index").exists():
        build_index(read_corpus(corpus / "corpus").documents, settings.index_dir, settings)
    return SearchIndex(settings.index_dir, settings)


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def test_a_field_prefix_filters_and_is_never_relaxed(corpus):
    with open_index(corpus) as index:
        result = index.search(SearchRequest(q="year:2014 미세먼지"))
        assert ids(result) == ["dust-2014"] and not result.relaxed
        # Two words relaxed to any one of them: still only 2014.
        relaxed = index.search(SearchRequest(q="year:2014 미세먼지 주거"))
        assert relaxed.relaxed and set(ids(relaxed)) == {"dust-2014", "youth-2014"}
    with open_index(corpus, strict_field_prefixes=False) as index:
        loose = index.search(SearchRequest(q="year:2014 미세먼지"))
        assert loose.relaxed and "dust-2018" in ids(loose)  # the old meaning: one more word


def test_a_negated_field_prefix_leaves_its_documents_out(corpus):
    with open_index(corpus) as index:
        every = set(ids(index.search(SearchRequest(q="미세먼지"))))
        without = index.search(SearchRequest(q="미세먼지 -year:2014"))
        only = index.search(SearchRequest(q="미세먼지 year:2014"))
    assert every == {"dust-2014", "dust-2018"}
    assert ids(without) == ["dust-2018"] and without.total == 1
    assert ids(only) == ["dust-2014"]


def test_a_title_prefix_stays_in_the_title_with_its_synonyms_too(tmp_path):
    records = [
        {"id": "title", "title": "아리수 품질 검사", "body": "수질을 검사합니다."},
        {"id": "body", "title": "수도 요금 안내", "body": "아리수 공급 요금입니다."},
        {"id": "synonym-title", "title": "Arisu tap water quality", "body": "Seoul."},
        {"id": "synonym-body", "title": "하천 정비", "body": "tap water and arisu"},
    ]
    write_jsonl(tmp_path / "corpus" / "docs.jsonl", records)
    with open_index(tmp_path) as index:
        korean_only = set(ids(index.search(SearchRequest(q="아리수"))))
        anywhere = set(ids(index.search(SearchRequest(q="아리수", translations="both"))))
        in_title = index.search(SearchRequest(q="title:아리수", translations="both"))
    assert korean_only == {"title", "body"}  # a Korean word is not widened unless asked
    assert anywhere == {"title", "body", "synonym-title", "synonym-body"}
    assert set(ids(in_title)) == {"title", "synonym-title"}
    # The translated one is a related result, and says which translation found it.
    assert [(hit.id, hit.tier) for hit in in_title.hits] == [
        ("title", "match"),
        ("synonym-title", "related"),
    ]
    assert in_title.hits[1].reasons[0].code == "translated"


def test_a_relaxed_query_keeps_documents_with_half_of_its_words_and_says_so(corpus):
    with open_index(corpus) as index:
        result = index.search(SearchRequest(q="청년 월세 지원"))
        assert ids(result)[:2] == ["all-three", "two-of-three"]
        assert set(ids(result)) == {"all-three", "two-of-three"}  # no one-word documents
        notice = next(n for n in result.notices if n.code.startswith("relaxed"))
        assert notice.code == "relaxed_some_of"
        assert notice.params == {"count": 1, "min_words": 2, "words": 3}
        assert "at least 2 of the 3 words found in the index" in notice.text()
        assert "단어 3개 중 2개 이상" in notice.text("ko")
    with open_index(corpus, relaxed_min_word_fraction=0.0) as index:
        any_word = index.search(SearchRequest(q="청년 월세 지원"))
        assert {"one-word", "youth-2014"} <= set(ids(any_word))
        assert any(n.code == "relaxed_some" for n in any_word.notices)


def test_each_word_is_analysed_within_the_whole_query(corpus):
    # Tagged alone, 총리의 is 총 + 리의; within this query it is 총리 + 의, as in the text.
    with open_index(corpus) as index:
        result = index.search(SearchRequest(q="터키 총리의 이름은"))
        assert ids(result) == ["turkey"] and not result.relaxed


def test_a_question_word_is_not_required(corpus):
    # 무엇인가 holds no content morpheme: documents need not hold it.
    with open_index(corpus) as index:
        result = index.search(SearchRequest(q="터키 총리의 이름은 무엇인가"))
        assert ids(result) == ["turkey"] and not result.relaxed


def test_a_verb_typed_does_not_count_among_the_words_a_relaxed_query_needs(corpus):
    # Administrative prose says 대여, people type 빌려주는: the nouns decide.
    # 돕는 (돕다) is in the index (돕습니다), so with the setting off it counts: 2 of 3.
    with open_index(corpus) as index:
        result = index.search(SearchRequest(q="장난감 돕는 기술"))
        assert set(ids(result)) == {"toys", "one-word"} and result.relaxed
        notice = next(n for n in result.notices if n.code.startswith("relaxed"))
        assert notice.code == "relaxed_none"  # one of the two nouns is enough
    with open_index(corpus, optional_non_noun_words=False) as index:
        assert ids(index.search(SearchRequest(q="장난감 돕는 기술"))) == ["one-word"]


def marked_texts(hit) -> list[str]:
    return [hit.title[s:e] for s, e in hit.marked_title.spans] + [
        hit.snippet.text[s:e] for s, e in hit.snippet.spans
    ]


def test_a_part_of_a_longer_word_is_not_marked_alone(corpus):
    with open_index(corpus) as index:
        hit = index.search(SearchRequest(q="일자리")).hits[0]
        assert hit.id == "jobs" and "일자리" in marked_texts(hit)
        assert "일" not in marked_texts(hit)  # not the 일 of 주5일
        title, body = index.highlighted_document("jobs", "일자리")
        assert "일" not in [body.text[s:e] for s, e in body.spans]
        # A syllable typed as a word of its own is still marked.
        typed = index.search(SearchRequest(q="일 근무")).hits
        assert typed and "일" in marked_texts(typed[0])
    with open_index(corpus, mark_lone_syllables=True) as index:
        hit = index.search(SearchRequest(q="일자리")).hits[0]
        assert "일" in marked_texts(hit)


def test_the_new_settings_default_to_the_new_meanings():
    from indexer.config import Settings

    defaults = {f.name: f.default for f in dataclasses.fields(Settings)}
    assert defaults["strict_field_prefixes"] is True
    assert defaults["relaxed_min_word_fraction"] == 0.5
    assert defaults["mark_lone_syllables"] is False
    assert defaults["optional_non_noun_words"] is True
