"""Matches and related results, kept apart (issue 25): the total and the facets count the
matches; related results (some of the words, translations, corrections) follow under
their own count; every hit says why it was found; exports hold the matches unless the
related results are asked for. On the policy documents, in the core, the API, the page
and the CLI (the widget and the browser: test_browser_analyst_day.py; both backends:
test_conformance.py)."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from indexer import SearchRequest
from indexer.cli import main
from indexer.model.request import TRANSLATIONS
from indexer.query.synonyms import load_glossary, load_thesaurus
from searchweb import create_app

from .test_filters_narrow import PROPERTY_SETTINGS, WORDS, queries

MATCH_REASONS = {"all_words", "synonym"}
RELATED_REASONS = {"some_words", "translated", "synonym", "corrected", "similar_meaning"}


def morphemes(index, text: str) -> set[str]:
    analyzer = index.readers.current().searcher.schema["title"].analyzer
    return {token.text for token in analyzer(text)}


def client_of(index):
    return create_app({"SETTINGS": index.settings, "TESTING": True}).test_client()


@PROPERTY_SETTINGS
@given(q=queries)
def test_the_matches_come_first_and_the_total_counts_exactly_them(policy_index, q):
    result = policy_index.search(SearchRequest(q=q, size=100, spell=False))
    tiers = [hit.tier for hit in result.hits]
    matches = tiers.count("match")
    assert tiers == ["match"] * matches + ["related"] * (len(tiers) - matches), q
    assert matches == min(result.total, 100), q
    assert len(tiers) == min(result.total + result.related_total, 100), q
    for hit in result.hits:
        codes = {reason.code for reason in hit.reasons}
        assert codes and codes <= (RELATED_REASONS if hit.related else MATCH_REASONS), (q, hit.id)
    for facet in result.facets:  # the facets count the matches only
        assert all(value.count <= result.total for value in facet.values), (q, facet.name)


@PROPERTY_SETTINGS
@given(q=queries)
def test_translations_never_change_the_matches(policy_index, q):
    answers = [
        policy_index.search(SearchRequest(q=q, size=30, spell=False, translations=direction))
        for direction in TRANSLATIONS
    ]
    totals = {result.total for result in answers}
    assert len(totals) == 1, q
    facets = [[(f.name, [(v.value, v.count) for v in f.values]) for f in r.facets] for r in answers]
    assert all(counts == facets[0] for counts in facets), q


@PROPERTY_SETTINGS
@given(word=st.sampled_from(WORDS), translations=st.sampled_from(TRANSLATIONS))
def test_a_title_prefix_finds_titles_holding_the_word(policy_index, word, translations):
    thesaurus, glossary = load_thesaurus(True), load_glossary()
    request = SearchRequest(q=f"title:{word}", size=100, spell=False, translations=translations)
    result = policy_index.search(request)
    for hit in result.hits:
        held = {word, *thesaurus.of(word)} | (set(glossary.of(word)) if hit.related else set())
        # Held as the index reads titles: the word or a synonym as text, spaces aside
        # (어린이 집 holds 어린이집, 전월세 holds 월세), or each of its morphemes
        # (창업보육센터 시설 holds 보육시설).
        title = hit.title.lower()
        terms = morphemes(policy_index, title)
        assert any(
            form.replace(" ", "") in title.replace(" ", "")
            or morphemes(policy_index, form) <= terms
            for form in held
        ), (word, hit.title)


def test_a_korean_query_is_not_widened_into_english(policy_index):
    """아리수 was 555 results with translations on and 51 without; the top department
    was 물재생계획과, from English words in budget records."""
    korean = policy_index.search(SearchRequest(q="아리수", size=100, facet_size=3))
    plain = policy_index.search(
        SearchRequest(q="아리수", size=100, facet_size=3, translations="off")
    )
    assert korean.total == plain.total < 100 and korean.related_total == 0
    words = ("아리수", *load_thesaurus(True).of("아리수"))  # the word or a synonym
    for hit in korean.hits:
        document = policy_index.document(hit.id)
        assert document and any(w in document.title + document.body for w in words), hit.id
    department = next(facet for facet in korean.facets if facet.name == "department")
    assert department.values[0].value != "물재생계획과"
    assert any(n.code == "translations_offered" for n in korean.notices)


def test_a_question_counts_the_documents_holding_its_content_words(policy_index):
    """It counted 2,489 (any word); its matches hold 어르신 (or 노인, 고령자) and 일자리."""
    q = "어르신이 받을 수 있는 일자리 지원은 무엇인가"
    result = policy_index.search(SearchRequest(q=q, size=50))
    assert 0 < result.total < 100 and result.related_total > 1000
    elderly = ("어르신", "노인", "고령자", "시니어", "장년")
    for hit in result.hits[: result.total]:
        assert hit.reasons, hit.id
    matched_titles = [hit.title for hit in result.hits if not hit.related]
    assert sum(any(word in title for word in elderly) for title in matched_titles[:5]) >= 2
    synonyms = next(n for n in result.notices if n.code == "synonyms")
    assert synonyms.params["word"] == "어르신"  # not the word with its particle
    # A match found through a synonym says which.
    through = [r for hit in result.hits for r in hit.reasons if r.code == "synonym"]
    assert through and {r.params["word"] for r in through} == {"어르신"}


def test_an_english_query_reaches_korean_documents_as_labelled_related_results(policy_index):
    result = policy_index.search(SearchRequest(q="youth monthly rent support", size=50))
    related = {hit.id: hit for hit in result.hits if hit.related}
    assert "welfare-01-037" in related  # 청년월세 한시 특별지원
    codes = [reason.code for reason in related["welfare-01-037"].reasons]
    assert "translated" in codes
    translated = [r for r in related["welfare-01-037"].reasons if r.code == "translated"]
    assert ("youth", "청년") in {(r.params["word"], r.params["translation"]) for r in translated}


def test_the_api_gives_each_hit_its_tier_and_reasons(policy_index):
    client = client_of(policy_index)
    data = client.get("/api/search", query_string={"q": "공원 도서관 이용", "hl": "ko"}).get_json()
    assert data["related_total"] > 0 and data["relaxed"] is True
    first_related = next(hit for hit in data["hits"] if hit["tier"] == "related")
    reason = first_related["reasons"][0]
    assert reason["code"] == "some_words" and set(reason["params"]) == {"held", "words"}
    assert (
        reason["message"] == f"단어 {reason['params']['words']}개 중 {reason['params']['held']}개"
    )
    refused = client.get("/api/search", query_string={"q": "청년", "translations": "fr"})
    assert refused.status_code == 400 and "en-ko, both, off" in refused.get_json()["error"]


def test_the_api_export_holds_the_matches_unless_asked(policy_index):
    client = client_of(policy_index)
    query = {"q": "청년 월세 보증금", "from": "2018", "sort": "oldest"}
    matches = client.get("/api/export.csv", query_string=query)
    rows = list(csv.DictReader(io.StringIO(matches.get_data(as_text=True).lstrip("\ufeff"))))
    related = int(matches.headers["X-Related-Count"])
    assert len(rows) == int(matches.headers["X-Total-Count"]) and related > 0
    assert {row["tier"] for row in rows} == {"match"} and all(row["reason"] for row in rows)
    everything = client.get("/api/export.csv", query_string={**query, "tier": "all"})
    all_rows = list(csv.DictReader(io.StringIO(everything.get_data(as_text=True).lstrip("\ufeff"))))
    tiers = [row["tier"] for row in all_rows]
    assert tiers == ["match"] * len(rows) + ["related"] * related
    assert [row["id"] for row in all_rows[: len(rows)]] == [row["id"] for row in rows]
    # Oldest first within each tier: the matches are not lost among older related rows.
    for tier in ("match", "related"):
        dates = [
            row["date"] or row["year"]
            for row in all_rows
            if row["tier"] == tier and (row["date"] or row["year"])
        ]
        assert dates == sorted(dates), tier
    assert client.get("/api/export.csv", query_string={**query, "tier": "x"}).status_code == 400


def test_the_cli_shows_the_related_results_apart_and_exports_the_matches(policy_index):
    index_dir = ["--index-dir", policy_index.settings.index_dir]
    shown = CliRunner().invoke(main, ["search", "공원 도서관 이용", *index_dir])
    assert shown.exit_code == 0
    head, _, related = shown.stdout.partition("-- Related results (")
    assert related and "related" in head.splitlines()[0]
    assert "of 3 words" in related
    written = CliRunner().invoke(
        main,
        [
            "search",
            "청년 월세 보증금",
            "--from",
            "2018",
            "--sort",
            "oldest",
            "--format",
            "csv",
            *index_dir,
        ],
    )
    rows = list(csv.DictReader(io.StringIO(written.stdout.lstrip("\ufeff"))))
    assert rows and {row["tier"] for row in rows} == {"match"}
    assert "related results were left out (--tier all" in written.stderr
    every = CliRunner().invoke(
        main,
        [
            "search",
            "청년 월세 보증금",
            "--from",
            "2018",
            "--format",
            "jsonl",
            "--tier",
            "all",
            *index_dir,
        ],
    )
    tiers = [line.split('"tier": "')[1].split('"')[0] for line in every.stdout.splitlines()]
    assert tiers[: len(rows)] == ["match"] * len(rows) and set(tiers[len(rows) :]) == {"related"}


def test_the_page_says_no_match_plainly_and_shows_the_related_results(policy_index):
    client = client_of(policy_index)
    page = client.get("/", query_string={"q": "공원 도서관 이용", "hl": "ko"}).get_data(
        as_text=True
    )
    assert 'class="related-heading">관련 결과 ' in page and 'data-tier="related"' in page
    assert 'class="reason" data-code="some_words"' in page
    assert page.index('data-tier="match"') < page.index("related-heading")
    none = client.get("/", query_string={"q": "아리수 광화문광장 자전거", "hl": "en"})
    text = none.get_data(as_text=True)
    assert "No document matches ‘아리수 광화문광장 자전거’. Related results follow." in text
    assert 'class="related-heading">Related results (' in text
    assert 'data-tier="match"' not in text


def test_a_misspelt_word_with_no_match_has_the_documents_spelt_like_it(policy_index):
    """One word, no match and searched as typed: its related results hold most of its
    bigrams (청년내일채옴공제 shares 5 of 7 with 청년내일채움공제), labelled so."""
    result = policy_index.search(SearchRequest(q="청년내일채옴공제", spell=False, size=20))
    assert result.total == 0 and result.related_total > 0
    assert result.hits[0].id == "welfare-02-071"  # 청년내일채움공제
    labels = [hit.reasons_text() for hit in result.hits]
    assert labels[0] == "spelt like it"
    assert set(labels) <= {"spelt like it", "similar meaning"}  # and found by meaning alone
    # A word with enough matches, or too short to judge by its letters, has none.
    assert policy_index.search(SearchRequest(q="아리수", spell=False)).related_total == 0
    assert policy_index.search(SearchRequest(q="청년", spell=False)).related_total == 0
