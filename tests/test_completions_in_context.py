"""Completions follow the words typed before the last one: "청년 월" completes to
청년 월세, a word of the titles of 청년's documents, before words commoner in the index
but in none of those titles (월드컵). The same rule on both backends."""

from __future__ import annotations

import pytest

from indexer.backends import open_index
from indexer.model.results import Suggestion
from indexer.search.suggest import in_context

from .test_cluster_nodes import needs_sphinx

TITLES = {"청년": ["청년 월세 지원", "청년 월세 한시 특별지원", "「청년 월세」 안내", "청년 창업"]}


def titles_of(head: str) -> list[str]:
    return TITLES.get(head, [])


def test_words_that_follow_the_head_in_titles_come_first_by_count():
    generic = [Suggestion("청년 월드컵", "term", 900), Suggestion("청년 월세", "term", 40)]
    found = in_context(generic, "청년 월", titles_of, 8)
    assert [s.text for s in found] == ["청년 월세", "청년 월드컵"]
    assert found[0].count == 3  # three titles hold 월세 after stripping 「」


def test_a_correction_of_the_whole_text_stays_first():
    correction = Suggestion("청년 월세", "correction", 0)
    found = in_context([correction], "청년 월", titles_of, 8)
    assert found[0] == correction and len(found) == 1


@pytest.mark.parametrize("text", ["월", "ㅊㄴ ㅇㅅ", "", "청년 "])
def test_without_words_before_the_last_nothing_changes(text):
    generic = [Suggestion("월드컵", "term", 9)]
    assert in_context(generic, text, titles_of, 8) == generic


def test_at_most_limit_suggestions():
    generic = [Suggestion(f"청년 월{i}", "term", i) for i in range(10)]
    assert len(in_context(generic, "청년 월", titles_of, 4)) == 4


@pytest.fixture(scope="module", params=["whoosh", pytest.param("cluster", marks=needs_sphinx)])
def backend(request, policy_index):
    if request.param == "whoosh":
        yield policy_index
        return
    cluster = open_index(request.getfixturevalue("policy_cluster"))
    yield cluster
    cluster.close()


def test_youth_and_the_start_of_a_word_complete_to_youth_monthly_rent(backend):
    texts = [s.text for s in backend.suggest("청년 월", 8)]
    assert texts[0] == "청년 월세", texts
    assert "청년 월드컵" not in texts[:3]


def test_a_completion_in_context_finds_what_it_promises(backend):
    from indexer import SearchRequest

    first = backend.suggest("장애인 활", 8)[0]
    assert first.text.startswith("장애인 활")
    assert backend.search(SearchRequest(q=first.text)).total > 0


def test_the_rest_of_a_compound_after_a_word_typed_is_a_completion():
    found = in_context([], "청년 월", lambda head: ["청년월세 한시 특별지원"], 8)
    assert [s.text for s in found] == ["청년 월세"]


def test_an_english_word_being_typed_finds_the_titles_that_hold_it(policy_index):
    found = policy_index.suggest("Metav", 8)
    assert any(s.kind == "title" and s.text.startswith("Metaverse Seoul") for s in found)


def test_a_word_the_vocabulary_completes_is_not_checked_for_typos():
    from indexer.config import load_settings
    from indexer.search.suggest import with_correction

    completions = [Suggestion("가출청소년", "term", 3)]

    class Untouched:  # the engine must not be asked: no correction is looked for
        def __getattr__(self, name):
            raise AssertionError(f"asked {name}")

    settings = load_settings(None, environ={})
    assert with_correction(completions, "가출", Untouched(), settings, 8) == completions
