"""English queries reach Korean documents and Korean queries the English articles, through
a shipped glossary (policy words and romanized proper nouns); the result says so."""

from __future__ import annotations

import dataclasses

from indexer import SearchIndex, SearchRequest
from indexer.query.synonyms import load_glossary


def test_the_glossary_works_both_ways():
    glossary = load_glossary()
    assert glossary.of("youth") == ("청년",) and "youth" in glossary.of("청년")
    assert glossary.of("Gwanghwamun") == ("광화문",) and "gwanghwamun" in glossary.of("광화문")


def search(index, q, **changes):
    settings = dataclasses.replace(index.settings, **changes)
    with SearchIndex(settings.index_dir, settings) as chosen:
        return chosen.search(SearchRequest(q=q, size=20))


def search_asking(index, q, **asked):
    with SearchIndex(index.settings.index_dir, index.settings) as opened:
        return opened.search(SearchRequest(q=q, size=50, **asked))


def test_an_english_query_finds_korean_programs_and_says_which_words(policy_index):
    result = search(policy_index, "youth housing")
    assert "청년" in result.hits[0].title and "주택" in result.hits[0].title
    translated = [n for n in result.notices if n.code == "translated"]
    assert [n.params["word"] for n in translated] == ["youth", "housing"]
    assert translated[1].text() == "'housing' was also searched in Korean: 주거, 주택."
    plain = search(policy_index, "youth housing", translations=False)
    assert not any(n.code == "translated" for n in plain.notices)
    assert "청년" not in plain.hits[0].title


def test_a_korean_query_stays_korean_unless_asked_and_says_so(policy_index):
    korean = search(policy_index, "광화문")
    assert "seoulsolution-002" not in [hit.id for hit in korean.hits]
    offered = [n for n in korean.notices if n.code == "translations_offered"]
    assert [n.params["word"] for n in offered] == ["광화문"]
    assert not any(n.code == "translated_to_english" for n in korean.notices)
    # Asked (translations=both), the English article follows as a related result.
    result = search_asking(policy_index, "광화문", translations="both")
    assert result.total == korean.total  # translations never change the matches
    related = {hit.id: hit for hit in result.hits if hit.related}
    assert "seoulsolution-002" in related  # the Gwanghwamun Square lighting article
    assert related["seoulsolution-002"].reasons[0].code == "translated"
    widened = [n for n in result.notices if n.code == "translated_to_english"]
    assert [n.params["word"] for n in widened] == ["광화문"]
    assert "gwanghwamun" in widened[0].params["translations"]
    assert widened[0].text("ko").startswith("‘광화문’을(를) 영어 ")
    plain = search(policy_index, "광화문", translations=False)
    assert "seoulsolution-002" not in [hit.id for hit in plain.hits]
    assert not any(n.code == "translated_to_english" for n in plain.notices)


def test_english_translations_rank_a_korean_query_without_finding_more(tmp_path):
    """A budget record's English summary saying "dementia" tells that its 치매 is the
    subject: the translation adds to its score, but a document holding only the English
    word is not found (the Korean query is not widened)."""
    from .conftest import index_of

    records = [
        {
            "id": "passing",
            "title": "노인 복지 안내",
            "body": "치매 예방 교실과 여러 강좌가 있습니다.",
        },
        {
            "id": "bilingual",
            "title": "치매 관리 사업",
            "body": "치매 검진을 지원합니다. Dementia screening and dementia care support.",
        },
        {"id": "english", "title": "Dementia care", "body": "Dementia care centers in Seoul."},
    ]
    with index_of(tmp_path, records) as index:
        korean = index.search(SearchRequest(q="치매"))
        plain = index.search(SearchRequest(q="치매", translations="off"))
        both = index.search(SearchRequest(q="치매", translations="both"))
    assert [hit.id for hit in korean.hits][0] == "bilingual"
    assert (
        {hit.id for hit in korean.hits}
        == {hit.id for hit in plain.hits}
        == {"passing", "bilingual"}
    )
    assert korean.total == plain.total == both.total == 2
    # Asked for, the English document follows as a related result.
    assert [(hit.id, hit.tier) for hit in both.hits][-1] == ("english", "related")
