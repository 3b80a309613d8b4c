"""Date ranges and date sorts on real data: documents with only a year (budget programs
of a fiscal year) match year ranges, bad dates are refused with a message, and sorting
by newest or oldest keeps relevance between documents of the same date."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from indexer import QueryError, SearchRequest, build_index, read_corpus
from indexer.cli import main
from indexer.engines.whoosh.index import SearchIndex

from .conftest import write_jsonl

RECORDS = [
    # Budget programs of FY2018: a year, no date.
    {
        "id": "b-rent",
        "title": "청년 월세 지원",
        "body": "청년 1인 가구에 월세를 지원합니다.",
        "year": "2018",
    },
    {
        "id": "b-housing",
        "title": "청년 주거 상담",
        "body": "청년의 주거 문제를 상담하고 월세 정보도 안내합니다.",
        "year": "2018",
    },
    {
        "id": "b-park",
        "title": "공원 조성",
        "body": "동네 공원을 만들고 청년 쉼터를 둡니다.",
        "year": "2018",
    },
    {
        "id": "b-2016",
        "title": "청년 일자리 박람회",
        "body": "청년 구직자를 위한 박람회.",
        "year": "2016",
    },
    # Dated notices.
    {
        "id": "n-2018-06",
        "title": "청년 월세 신청 안내",
        "body": "청년 월세 지원 신청을 받습니다.",
        "date": "2018-06-15",
    },
    {
        "id": "n-2019",
        "title": "청년 공간 개관",
        "body": "청년 공간이 문을 엽니다.",
        "date": "2019-02-01",
    },
    {
        "id": "n-2017",
        "title": "청년 정책 토론회",
        "body": "청년 정책을 토론합니다.",
        "date": "2017-11-30",
    },
    # Neither a date nor a year.
    {"id": "u-1", "title": "청년 안내서", "body": "청년 정책 안내서입니다."},
]


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("dates")
    corpus = write_jsonl(tmp_path / "corpus" / "docs.jsonl", RECORDS).parent
    from .conftest import make_settings

    settings = make_settings(tmp_path)
    build_index(read_corpus(corpus).documents, settings.index_dir, settings)
    with SearchIndex(settings.index_dir, settings) as index:
        yield index, settings


def ids(result):
    return [hit.id for hit in result.hits]


def test_documents_with_only_a_year_match_a_year_range(dated):
    index, _ = dated
    in_2018 = index.search(SearchRequest(q="청년", date_from="2018", date_to="2018"))
    assert set(ids(in_2018)) == {"b-rent", "b-housing", "b-park", "n-2018-06"}


def test_a_year_overlapping_a_month_range_is_in_it(dated):
    index, _ = dated
    result = index.search(SearchRequest(q="청년", date_from="2018-06", size=50))
    assert {"b-rent", "b-housing", "b-park", "n-2018-06", "n-2019"} == set(ids(result))
    before = index.search(SearchRequest(q="청년", date_to="2017-12", size=50))
    assert set(ids(before)) == {"b-2016", "n-2017"}


def test_undated_documents_are_outside_every_range_and_last_in_every_sort(dated):
    index, _ = dated
    for sort in ("newest", "oldest"):
        result = index.search(SearchRequest(q="청년", sort=sort, size=50))
        assert ids(result)[-1] == "u-1"
    assert "u-1" not in ids(index.search(SearchRequest(q="청년", date_from="1900", size=50)))


def _when(hit) -> str:
    """A hit's date as it sorts (a year alone as its first day)."""
    return str(hit.fields.get("date") or hit.fields.get("year") or "")


def test_newest_first_orders_by_date_then_by_relevance(dated):
    index, _ = dated
    relevance = index.search(SearchRequest(q="청년 월세", size=50))
    score = {hit.id: hit.score for hit in relevance.hits}
    newest = index.search(SearchRequest(q="청년 월세", sort="newest", size=50))
    order = ids(newest)
    assert set(order) == set(score)
    # The three FY2018 programs come together, the one searched for first among them.
    programs = [doc_id for doc_id in order if doc_id.startswith("b-") and doc_id != "b-2016"]
    assert programs == sorted(programs, key=lambda doc_id: -score[doc_id])
    assert programs[0] == "b-rent"
    # The matches come first, each tier newest first.
    tiers = [hit.tier for hit in newest.hits]
    assert tiers == sorted(tiers, key=["match", "related"].index)
    for tier in ("match", "related"):
        dates = [_when(hit) for hit in newest.hits if hit.tier == tier]
        assert dates == sorted(dates, reverse=True), tier


def test_oldest_first_reverses_the_dates_and_keeps_relevance_between_equals(dated):
    index, _ = dated
    newest = ids(index.search(SearchRequest(q="청년", sort="newest", size=50)))
    oldest = ids(index.search(SearchRequest(q="청년", sort="oldest", size=50)))
    assert oldest[0] == "b-2016" and newest[0] == "n-2019"
    same_year = [doc_id for doc_id in oldest if doc_id in ("b-rent", "b-housing", "b-park")]
    assert same_year == [doc_id for doc_id in newest if doc_id in same_year]


def test_date_is_the_former_name_of_newest(dated):
    index, _ = dated
    former = index.search(SearchRequest(q="청년", sort="date", size=50))
    assert former.sort == "newest"
    assert ids(former) == ids(index.search(SearchRequest(q="청년", sort="newest", size=50)))


@pytest.mark.parametrize("bad", ["2018-13", "2018-00", "18", "2018/06", "2018-6-1"])
def test_a_bad_date_is_refused_with_the_value_in_the_message(dated, bad):
    index, _ = dated
    with pytest.raises(QueryError) as refused:
        index.search(SearchRequest(q="청년", date_from=bad))
    assert bad in refused.value.message("en") and "2022-11" in refused.value.message("en")


def test_the_cli_refuses_a_bad_date_with_a_message_and_no_traceback(dated):
    _, settings = dated
    result = CliRunner().invoke(
        main, ["search", "청년", "--from", "2018-13", "--index-dir", settings.index_dir]
    )
    assert result.exit_code != 0
    assert "2018-13" in result.output and "Traceback" not in result.output
