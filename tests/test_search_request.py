"""SearchRequest is frozen and hashable: the result cache keys on all of it."""

import dataclasses

import pytest

from indexer import QueryError, SearchRequest, build_index, read_corpus
from indexer.engines.whoosh.index import SearchIndex
from indexer.model.request import bounded, whole_number

from .conftest import make_settings


def test_equal_requests_are_equal_however_filters_were_given():
    one = SearchRequest(q="청년", filters={"year": ["2018"], "category": ["주거", "", "주거"]})
    two = SearchRequest(q="청년", filters=(("category", ("주거",)), ("year", ("2018",))))
    assert one == two and hash(one) == hash(two)
    with pytest.raises(dataclasses.FrozenInstanceError):
        one.q = "x"  # type: ignore[misc]


@pytest.fixture
def small_index_with_vectors(small_corpus, tmp_path):
    """The small corpus with document vectors, so similar meaning changes the result."""
    settings = make_settings(tmp_path, vectors=True)
    build_index(read_corpus(small_corpus).documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    yield index
    index.close()


def test_every_field_of_the_request_is_part_of_the_cache_key(small_index_with_vectors):
    """A field left out of the key would serve one request the other's result."""
    small_index = small_index_with_vectors
    # dkfltn (아리수 typed in Latin mode) gets a suggestion, so spell=False differs too.
    base = SearchRequest(q="아리수 광화문광장 도시재생 장애인 bicycle dkfltn", size=2)
    changed = {
        "q": "아리수",
        "page": 2,
        "size": 3,
        "facet_size": 1,
        "facets": False,
        "highlight": False,
        "sort": "date",
        "filters": {"lang": ["ko"]},
        "date_from": "2021",
        "date_to": "2020",
        "raw": True,
        "spell": False,
        "translations": "both",
        "semantic": False,
    }
    assert set(changed) == {f.name for f in dataclasses.fields(base)}

    def answer(request):  # the result without its timing and whether it was cached
        return dataclasses.replace(small_index.search(request), took_ms=0, cached=False)

    # The typo leaves no match (its corrections are related results), and the facets
    # count matches only: the facet fields are checked on a query with matches.
    with_matches = SearchRequest(q="", size=2)  # every document
    assert answer(with_matches).total > 0
    for name, value in changed.items():
        start = with_matches if name in ("facet_size", "facets") else base
        first = answer(start)
        assert answer(start) == first  # from the cache
        other = dataclasses.replace(start, **{name: value})
        assert other != start and answer(other) != first, name


def test_numbers_are_parsed_by_one_parser():
    assert whole_number("page", "7") == 7 and bounded("size", 5, 1, 10) == 5
    for bad in ("abc", "", "1.5", None, True):
        with pytest.raises(QueryError) as raised:
            whole_number("page", bad)
        assert raised.value.code == "not_whole_number" and raised.value.http_status == 400
    with pytest.raises(QueryError) as raised:
        bounded("size", "0", 1, 10)
    assert raised.value.params == {"name": "size", "lowest": 1, "highest": 10, "value": 0}
