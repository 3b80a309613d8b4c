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
