"""The search API: query syntax, fallback, filters, sorting, paging and highlighting."""

from __future__ import annotations

import re

import pytest

from indexer import QueryError, SearchRequest, build_index, read_corpus
from indexer.engines.whoosh.index import SearchIndex

from .conftest import make_settings, write_jsonl


def ids(result):
    return [hit.id for hit in result.hits]


def test_all_words_must_match_by_default(small_index):
    result = small_index.search(SearchRequest(q="광화문광장 공간"))
    assert ids(result) == ["square-1"] and result.relaxed is False


def test_falls_back_to_any_word_and_says_so(small_index):
    result = small_index.search(SearchRequest(q="아리수 광화문광장"))
    assert set(ids(result)) == {"water-1", "square-1"}
    # Neither holds both words: no match, two related results, each saying so.
    assert (result.total, result.related_total, result.relaxed) == (0, 2, True)
    assert all(hit.related for hit in result.hits)
    assert {hit.reasons_text() for hit in result.hits} == {"1 of 2 words"}
    assert [n.code for n in result.notices if n.code.startswith("relaxed")] == ["relaxed_none"]
    relaxed = next(n for n in result.notices if n.code == "relaxed_none")
    assert "related results with some of the words" in relaxed.text()


def _partial_match_index(tmp_path, **overrides):
    """One document with both words, two with one word each (one of them many times)."""
    write_jsonl(
        tmp_path / "p" / "docs.jsonl",
        [
            {
                "id": "both",
                "title": "공원 안내",
                "body": "공원 옆 도서관 이용 시간",
                "date": "2020-01-01",
            },
            {
                "id": "park-only",
                "title": "공원 공원",
                "body": "공원 공원 공원 공원 산책로",
                "date": "2024-01-01",
            },
            {
                "id": "library-only",
                "title": "도서관",
                "body": "도서관 열람실",
                "date": "2023-01-01",
            },
            {"id": "neither", "title": "버스", "body": "버스 노선", "date": "2022-01-01"},
        ],
    )
    settings = make_settings(tmp_path, **overrides)
    build_index(read_corpus(tmp_path / "p").documents, settings.index_dir, settings)
    return SearchIndex(settings.index_dir, settings)


def test_few_all_word_matches_come_first_then_documents_with_some_words(tmp_path):
    index = _partial_match_index(tmp_path)
    result = index.search(SearchRequest(q="공원 도서관"))
    assert ids(result)[0] == "both"
    assert set(ids(result)[1:]) == {"park-only", "library-only"}
    # The total counts the match; the two related results are counted apart.
    assert (result.total, result.related_total, result.pages) == (1, 2, 1)
    assert [hit.tier for hit in result.hits] == ["match", "related", "related"]
    assert result.hits[0].reasons_text() == "all words"
    assert [hit.reasons_text() for hit in result.hits[1:]] == ["1 of 2 words"] * 2
    assert any(n.code == "relaxed_some" and n.params == {"count": 1} for n in result.notices)
    assert any("1 documents have every word; related" in n.text() for n in result.notices)
    # Paging walks on from the match into the related results; the total stays 1.
    second = index.search(SearchRequest(q="공원 도서관", page=2, size=1))
    assert ids(second)[0] in {"park-only", "library-only"} and second.total == 1
    assert second.hits[0].related and second.pages == 3
    assert "<mark>" in second.hits[0].snippet_html


def test_date_sort_of_a_relaxed_query_keeps_the_matches_first(tmp_path):
    index = _partial_match_index(tmp_path)
    for sort, related in (
        ("newest", ["park-only", "library-only"]),
        ("oldest", ["library-only", "park-only"]),
    ):
        result = index.search(SearchRequest(q="공원 도서관", sort=sort))
        assert ids(result) == ["both", *related], sort


def test_min_all_word_hits_of_one_keeps_strict_all_words(tmp_path):
    index = _partial_match_index(tmp_path, min_all_word_hits=1)
    result = index.search(SearchRequest(q="공원 도서관"))
    assert ids(result) == ["both"] and result.relaxed is False and result.related_total == 0


def test_korean_query_with_particles_matches(small_index):
    assert ids(small_index.search(SearchRequest(q="아리수는"))) == ["water-1"]


def test_compound_parts_find_the_compound(small_index):
    assert "square-1" in ids(small_index.search(SearchRequest(q="광장")))


def test_a_compound_matches_its_parts_written_apart_but_not_far_apart(tmp_path):
    write_jsonl(
        tmp_path / "c" / "docs.jsonl",
        [
            {"id": "whole", "title": "공유도시 정책", "body": "서울의 공유도시 사업"},
            {"id": "spaced", "title": "공유 도시 정책", "body": "공유 도시 서울을 만듭니다"},
            {"id": "apart", "title": "도시 정책", "body": "도시의 자원을 시민과 공유합니다"},
        ],
    )
    settings = make_settings(tmp_path)
    build_index(read_corpus(tmp_path / "c").documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    result = index.search(SearchRequest(q="공유도시"))
    assert {hit.id for hit in result.hits if not hit.related} == {"whole", "spaced"}
    # The parts far apart are spelt alike (2 of its 3 bigrams): a related result at most.
    assert [(hit.id, hit.reasons_text()) for hit in result.hits if hit.related] == [
        ("apart", "spelt like it")
    ]
    spaced = next(hit for hit in result.hits if hit.id == "spaced")
    assert spaced.title_html.startswith("<mark>공유</mark> <mark>도시</mark>")
    title, body = index.highlighted_document("spaced", "공유도시")
    title_html, body_html = title.to_html(), body.to_html()
    assert title_html.startswith("<mark>공유</mark> <mark>도시</mark>")
    assert body_html.startswith("<mark>공유</mark> <mark>도시</mark>")
    index.close()


def test_bigrams_rescue_a_word_the_tagger_splits(small_index):
    # mecab-ko splits 도시재생활성화지역 into 도시/재/생활/...; the bigram field still matches.
    assert ids(small_index.search(SearchRequest(q="재생활성화")))[0] == "regen-1"


def test_spacing_errors_are_forgiven(small_index):
    assert ids(small_index.search(SearchRequest(q="장애인활동지원")))[0] == "care-1"


def test_quoted_phrase_requires_adjacent_words(small_index):
    assert ids(small_index.search(SearchRequest(q='"public bicycle"'))) == ["bike-1"]
    assert ids(small_index.search(SearchRequest(q='"bicycle public"'))) == []


def test_excluded_words_are_not_marked(small_index):
    # 수질관리 is excluded only as a whole (or its parts side by side); water-1 has 관리
    # elsewhere, stays in the results, and that 관리 must not be marked.
    [hit] = small_index.search(SearchRequest(q="아리수 -수질관리")).hits
    assert hit.id == "water-1"
    assert "<mark>아리수</mark>" in hit.title_html and "<mark>관리" not in hit.title_html


def test_exclusion_removes_documents(small_index):
    result = small_index.search(SearchRequest(q="-아리수", size=50))
    assert "water-1" not in ids(result) and len(ids(result)) == 4
    assert ids(small_index.search(SearchRequest(q="도시 -광화문광장"))) == ["regen-1"]


def test_field_prefixes_search_only_that_field(small_index):
    assert ids(small_index.search(SearchRequest(q="title:아리수"))) == ["water-1"]
    assert set(ids(small_index.search(SearchRequest(q='category:"도시계획"')))) == {
        "square-1",
        "regen-1",
    }
    # 도시재생 appears in regen-1's body only, so a title search on another word misses it.
    assert ids(small_index.search(SearchRequest(q="title:낡은"))) == []


def test_unknown_field_is_searched_as_text(small_index):
    result = small_index.search(SearchRequest(q="nosuchfield:아리수"))
    assert ids(result) == ["water-1"]
    assert any(
        notice.code == "unknown_field" and "Unknown field" in notice.text()
        for notice in result.notices
    )


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "((아리수",
        "title:",
        ":",
        "-",
        "--",
        "*",
        "a*",
        "?",
        "AND OR NOT",
        "\x00아리수",
        'title:"',
        '""',
        "category:",
        "🙂🙃",
        "x" * 5000,
        "아리수 -",
        "{}[]^~",
    ],
)
def test_malformed_queries_give_a_consistent_answer(small_index, query):
    result = small_index.search(SearchRequest(q=query))
    assert_consistent(small_index, result)
    if "아리수" in query and "-" not in query.replace("아리수 -", ""):
        assert "water-1" in ids(result)  # the word in the rubble is still searched


@pytest.mark.parametrize("query", ["아리수 AND", "title:(", "(((", "body:[a TO"])
def test_raw_mode_falls_back_on_syntax_it_cannot_parse(small_index, query):
    result = small_index.search(SearchRequest(q=query, raw=True))
    assert_consistent(small_index, result)
    if query.startswith("아리수"):
        assert ids(result) == ["water-1"]


def assert_consistent(index, result) -> None:
    """A result that adds up: a total within the index, a full first page, known ids."""
    every_id = {document.id for document in index.documents()}
    assert 0 <= result.total <= len(every_id)
    assert len(result.hits) == min(result.total, result.size)
    assert set(ids(result)) <= every_id


def test_raw_mode_supports_whoosh_syntax(small_index):
    result = small_index.search(SearchRequest(q="아리수 OR 광화문광장", raw=True))
    assert set(ids(result)) == {"water-1", "square-1"} and result.relaxed is False


def test_filters_or_within_a_facet_and_across_facets(small_index):
    both = small_index.search(SearchRequest(filters={"category": ["교통", "복지"]}))
    assert set(ids(both)) == {"bike-1", "care-1"}
    narrowed = small_index.search(
        SearchRequest(filters={"category": ["교통", "복지"], "department": ["복지정책실"]})
    )
    assert ids(narrowed) == ["care-1"]


def test_date_range_filter_and_date_sort(small_index):
    result = small_index.search(SearchRequest(date_from="2020", date_to="2022-08", sort="date"))
    assert ids(result) == ["square-1", "water-1", "bike-1"]


def test_paging_reports_total_and_pages(small_index):
    first = small_index.search(SearchRequest(size=2, page=1))
    third = small_index.search(SearchRequest(size=2, page=3))
    assert (first.total, first.pages, len(first.hits)) == (5, 3, 2)
    assert len(third.hits) == 1
    assert not set(ids(first)) & set(ids(third))


@pytest.mark.parametrize(
    "request_args, message",
    [
        ({"page": 0}, "page"),
        ({"size": 10_000}, "size"),
        ({"sort": "popular"}, "sort"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"filters": {"colour": ["red"]}}, "filter"),
    ],
)
def test_invalid_requests_raise_a_query_error_with_a_message(small_index, request_args, message):
    with pytest.raises(QueryError, match=message):
        small_index.search(SearchRequest(**request_args))


def test_snippets_mark_matches_and_escape_everything_else(tmp_path, settings):
    write_jsonl(
        tmp_path / "c" / "x.jsonl",
        [
            {
                "id": "xss",
                "title": "<script>alert(1)</script> 아리수",
                "body": '아리수 <img src=x onerror=alert(1)> & "quotes" 아리수 품질',
            }
        ],
    )
    build_index(read_corpus(tmp_path / "c").documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    [hit] = index.search(SearchRequest(q="아리수")).hits
    index.close()
    for html in (hit.title_html, hit.snippet_html):
        assert re.sub(r"</?mark>", "", html).count("<") == 0
        assert "<mark>아리수</mark>" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp;" in hit.snippet_html


def test_bigram_matches_are_highlighted_as_one_span(small_index):
    hit = small_index.search(SearchRequest(q="재생활성화")).hits[0]
    assert hit.id == "regen-1"
    assert "도시<mark>재생활성화</mark>지역" in hit.title_html
    assert "</mark><mark>" not in hit.title_html


def test_empty_query_browses_everything_newest_first(small_index):
    result = small_index.search(SearchRequest())
    assert result.total == 5
    assert ids(result)[0] == "care-1"


def test_repeated_requests_come_from_the_cache_until_the_index_changes(tmp_path, small_corpus):
    from indexer import update_index

    settings = make_settings(tmp_path)
    build_index(read_corpus(small_corpus).documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    first = index.search(SearchRequest(q="따릉이"))
    again = index.search(SearchRequest(q="따릉이"))
    assert ids(again) == ids(first) == ["bike-1"]
    assert index._cache.hits == 1
    # A cached answer says so: its time is a lookup's, not a search's.
    assert again.cached and not first.cached
    write_jsonl(
        small_corpus / "more.jsonl",
        [{"id": "bike-2", "title": "따릉이 대여소", "body": "따릉이 대여소를 늘립니다."}],
    )
    update_index(read_corpus(small_corpus).documents, settings.index_dir, settings)
    assert set(ids(index.search(SearchRequest(q="따릉이")))) == {"bike-1", "bike-2"}
    index.close()


def test_result_as_plain_data_is_json_and_a_copy(small_index):
    import dataclasses
    import json

    result = small_index.search(SearchRequest(q="도시", facet_size=5))
    assert result.hits and result.facets
    data = result.to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert set(data) == {f.name for f in dataclasses.fields(result)} | {"relaxed"}
    assert data["facets"] == [dataclasses.asdict(facet) for facet in result.facets]
    hit, first = data["hits"][0], result.hits[0]
    assert (
        hit["title_html"] == first.marked_title.to_html() and hit["snippet"] == first.snippet.text
    )
    assert [tuple(span) for span in hit["snippet_spans"]] == list(first.snippet.spans)
    data["facets"][0]["values"][0]["count"] = -1  # a copy: the cached result is untouched
    data["hits"][0]["category"].append("changed")
    assert result.facets[0].values[0].count != -1
    assert "changed" not in result.hits[0].fields["category"]
