"""One search semantics on every backend: the Whoosh index and a two-shard Sphinx cluster
hold the same documents (policy_index, policy_cluster), and each request gets the same
answer from both: totals, relaxing, notices, facet counts, sorted pages and marks.

The Whoosh backend is the oracle; each test also states the behaviour on its own, so a
bug shared by both backends still fails."""

from __future__ import annotations

import pytest

from indexer import SearchRequest
from indexer.backends import open_index

from .test_cluster_nodes import needs_sphinx

pytestmark = needs_sphinx


@pytest.fixture(scope="module")
def both(policy_index, policy_cluster):
    """(whoosh, cluster) backends over the same documents."""
    cluster = open_index(policy_cluster)
    yield policy_index, cluster
    cluster.close()


def codes(result) -> list[str]:
    return [notice.code for notice in result.notices]


def answers(both, **request):
    """The same request on both backends, without spelling corrections unless asked."""
    request.setdefault("spell", False)
    return tuple(backend.search(SearchRequest(**request)) for backend in both)


PUNCTUATION_ONLY = ["'", ";", "%", "\\", "/*", "@", "~", "-", "()", "*", "?", ":", "||"]


@pytest.mark.parametrize("q", PUNCTUATION_ONLY)
def test_a_query_of_punctuation_only_finds_nothing_and_says_so_on_both(both, q):
    for result in answers(both, q=q):
        assert result.total == 0, (q, result.total)
        assert "nothing_searchable" in codes(result), (q, codes(result))


SAME_TOTALS = [
    dict(q="category:수송및교통 버스"),
    dict(q="year:2014 청년"),
    dict(q="청년 -category:일반공공행정"),
    dict(q='"도시 재생"~3'),
    dict(q="청년 월세 10"),  # a word written apart from "10%" and "10.5" in the index
    dict(q='"청년 월세"~10'),
    dict(q="청년 월세"),
    dict(q='청년 "주거 지원"'),
    dict(q="장애인 활동지원 바우처 신청"),
    dict(q='"청년 월세"'),
    dict(q="청년 -월세"),
    dict(q="title:아리수"),
    dict(q="주거 지원", date_from="2018", date_to="2023-12"),
    dict(q="노인 일자리", filters={"category": ("사회복지",)}),
    dict(q="어르신이 받을 수 있는 일자리 지원은 무엇인가"),
    dict(q="public bicycle"),
    dict(q="서울 시민", sort="oldest"),
]


@pytest.mark.parametrize("request_args", SAME_TOTALS)
def test_totals_relaxing_and_notices_are_the_same_on_both(both, request_args):
    whoosh, cluster = answers(both, **request_args)
    assert whoosh.total + whoosh.related_total > 0, request_args
    assert (cluster.total, cluster.related_total) == (whoosh.total, whoosh.related_total)
    assert sorted(set(codes(cluster)) - {"cluster_partial"}) == sorted(set(codes(whoosh)))


@pytest.mark.parametrize(
    "q",
    [
        "청년 월세 지원",
        "어르신 일자리 바우처",
        "youth rent",
        "어르신이 받을 수 있는 일자리는",
        "청년내일채옴공제",  # no match: documents spelt like it
    ],
)
def test_each_hit_has_the_same_tier_and_reasons_on_both(both, q):
    whoosh, cluster = answers(both, q=q, size=50)

    def why(result):
        return {hit.id: (hit.tier, hit.reasons) for hit in result.hits}

    assert all(hit.reasons for hit in whoosh.hits), q
    in_both = why(whoosh).keys() & why(cluster).keys()
    assert len(in_both) >= min(len(whoosh.hits), 10), q
    assert {i: why(cluster)[i] for i in in_both} == {i: why(whoosh)[i] for i in in_both}


@pytest.mark.parametrize("q", ["청년 월세", "어린이집 보육료 지원", "따릉이"])
def test_facet_counts_are_the_same_on_both(both, q):
    whoosh, cluster = answers(both, q=q, facets=True, facet_size=50)

    def counts(result):
        return {
            facet.name: {value.value: value.count for value in facet.values}
            for facet in result.facets
        }

    assert counts(cluster) == counts(whoosh)
    # Each value's count is the total of the search filtered by it.
    category = next(f for f in whoosh.facets if f.name == "category")
    for value in category.values[:3]:
        narrowed = both[0].search(
            SearchRequest(q=q, filters={"category": (value.value,)}, spell=False)
        )
        assert narrowed.total == value.count


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_a_date_sorted_page_lists_the_same_documents_on_both(both, sort):
    whoosh, cluster = answers(both, q="청년 주거", sort=sort, size=20)
    dates = [hit.fields.get("date") or hit.fields.get("year") for hit in whoosh.hits]
    assert dates == sorted(dates, reverse=sort == "newest")
    assert [h.fields.get("date") for h in cluster.hits] == [
        h.fields.get("date") for h in whoosh.hits
    ]


@pytest.mark.parametrize(
    "q", ['"청년 월세"', '"장애인 활동지원"', '"public bicycle"', '"서울 시민"']
)
def test_a_quoted_phrase_ranks_the_same_first_page_on_both(both, q):
    whoosh, cluster = answers(both, q=q, size=10)
    assert whoosh.total == cluster.total > 0
    assert [h.id for h in cluster.hits] == [h.id for h in whoosh.hits]


def test_paging_walks_the_same_documents_on_both(both):
    pages = [answers(both, q="지원 사업", page=page, size=10) for page in (1, 2, 3)]
    for whoosh, cluster in pages:
        overlap = {h.id for h in whoosh.hits} & {h.id for h in cluster.hits}
        assert len(overlap) >= 9
    seen = [h.id for whoosh, _ in pages for h in whoosh.hits]
    assert len(seen) == len(set(seen)) == 30


def test_marks_are_the_same_on_both(both):
    whoosh, cluster = answers(both, q="청년 월세 지원", size=5)
    by_id = {hit.id: hit for hit in whoosh.hits}
    compared = 0
    for hit in cluster.hits:
        if hit.id in by_id:
            assert hit.marked_title.spans == by_id[hit.id].marked_title.spans, hit.id
            compared += 1
    assert compared >= 3
    assert any(hit.marked_title.spans for hit in cluster.hits)


HOSTILE_PREFIXES = ["'", "\\", "/*", ";", "@", "~", '"', "(", ")", "*", "|", "!", "^", "$", "="]


@pytest.mark.parametrize("text", [*HOSTILE_PREFIXES, "청년 '", "지원 \\", "@title 청"])
def test_suggestions_never_fail_on_hostile_input_on_both(both, text):
    for backend in both:
        suggestions = backend.suggest(text, limit=8)
        assert isinstance(suggestions, list)
        assert all(s.text for s in suggestions)


def test_suggestions_complete_the_same_word_on_both(both):
    whoosh, cluster = (backend.suggest("청년 월", limit=8) for backend in both)
    assert whoosh and cluster
    assert whoosh[0].text == cluster[0].text


def test_similar_documents_exist_on_both_and_exclude_the_document(both):
    doc_id = both[0].search(SearchRequest(q="따릉이", size=1, spell=False)).hits[0].id
    for backend in both:
        similar = backend.similar(doc_id, limit=5)
        assert similar and doc_id not in [d.id for d in similar]


def test_an_empty_query_browses_every_document_on_both(both):
    whoosh, cluster = answers(both, q="")
    assert whoosh.total == cluster.total == both[0].stats().documents


@pytest.mark.parametrize(
    "request_args",
    [
        dict(q="dentures for seniors"),
        dict(q="books for village reading rooms"),
        dict(q="청년 월세 지원"),
        dict(q="jobs for senior citizens", filters={"category": ("사회복지",)}),
        dict(q="smartphone addiction in teenagers"),  # found by meaning alone
    ],
)
def test_the_fused_order_and_the_results_found_by_meaning_are_the_same_on_both(both, request_args):
    whoosh, cluster = answers(both, size=20, **request_args)

    def by_meaning(result):
        return [hit.id for hit in result.hits if hit.reasons[0].code == "similar_meaning"]

    assert (cluster.total, cluster.related_total) == (whoosh.total, whoosh.related_total)
    assert by_meaning(cluster) == by_meaning(whoosh)
    top = [hit.id for hit in whoosh.hits[:10]]
    shared = set(top) & {hit.id for hit in cluster.hits[:10]}
    assert len(shared) >= 0.9 * len(top), request_args
    if request_args.get("filters"):
        assert all(hit.fields["category"] == ["사회복지"] for hit in cluster.hits)


def test_an_english_query_reaches_korean_documents_by_meaning_on_both(both):
    """Found by meaning alone, after the related results the words found (a fused rank
    of meaning alone weighs less than most keyword ranks)."""
    results = answers(both, q="books for village reading rooms", size=100)
    found = [
        [hit.id for hit in result.hits if hit.reasons[0].code == "similar_meaning"]
        for result in results
    ]
    assert found[0] and found[0] == found[1]
    assert all(hit.related for hit in results[0].hits if hit.id in found[0])
    assert any("도서관" in hit.title for hit in results[0].hits if hit.id in found[0])
