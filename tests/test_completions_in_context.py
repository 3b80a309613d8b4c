"""Completions follow the words typed before the last one: "청년 월" completes to
청년 월세, a word of the titles that hold 청년, before words commoner in the index but in
no such title (월드컵), whatever the index's size; the title's own word is offered (돌봄,
not the stem 돌보), then the phrases titles share. The same rule on both backends."""

from __future__ import annotations

import pytest

from indexer.backends import open_index
from indexer.model.results import Suggestion
from indexer.query.spelling import Vocabulary
from indexer.search.context_completions import CONTEXT_TITLES, ContextSearch, in_context

from .test_cluster_nodes import needs_sphinx


class Titles:
    """An oracle of titles: a title's terms are its words and the parts given for them
    (as an analyser splits compounds and finds stems), and a title holds the words
    among its terms."""

    def __init__(
        self,
        titles: list[str],
        parts: dict[str, list[str]] | None = None,
        bodies: tuple[str, ...] = ("청년 월드컵 응원",),  # a document with no such title
    ):
        self.titles = titles
        self.bodies = [set(body.split()) for body in bodies]
        self.terms = []
        for title in titles:
            words = title.replace("「", " ").replace("」", " ").split()
            self.terms.append({t for w in words for t in [w, *(parts or {}).get(w, [])]})
        rows = [("title", term, 1) for terms in self.terms for term in terms]
        rows.append(("body", "월드컵", 900))  # common in bodies, in no title
        self.vocabulary = Vocabulary.of_fields(rows)
        self.asked: list[tuple[str, ...]] = []

    def holding(self, words):
        self.asked.append(tuple(words))
        held = [t for t, terms in zip(self.titles, self.terms, strict=True) if set(words) <= terms]
        return len(held), held[:CONTEXT_TITLES]

    def matches(self, text):
        return sum(set(text.split()) <= terms for terms in [*self.terms, *self.bodies])

    @property
    def search(self):
        return ContextSearch(self.holding, self.matches)


def suggested(titles: Titles, text: str, generic=(), limit: int = 8) -> list[tuple]:
    found = in_context(list(generic), text, titles.vocabulary, titles.search, limit, 0)
    return [(s.text, s.kind, s.count) for s in found]


YOUTH = Titles(
    ["청년 월세 지원", "청년 월세 한시 특별지원", "「청년 월세」 안내", "청년 창업", "월드컵 대교"]
)


def test_words_the_head_s_titles_hold_come_first_by_how_many_titles_hold_both():
    generic = [Suggestion("청년 월드컵", "term", 900), Suggestion("청년 월세", "term", 40)]
    assert suggested(YOUTH, "청년 월", generic) == [
        ("청년 월세", "term", 3),
        ("청년 월드컵", "term", 900),  # no title holds 청년 and 월드컵
    ]


def test_a_correction_of_the_whole_text_stays_first():
    correction = Suggestion("청년 월세", "correction", 0)
    found = in_context([correction], "청년 월", YOUTH.vocabulary, YOUTH.search, 8, 0)
    assert found[0] == correction and len(found) == 1


@pytest.mark.parametrize("text", ["월", "ㅊㄴ ㅇㅅ", "", "청년 "])
def test_without_words_before_the_last_nothing_changes(text):
    generic = [Suggestion("월드컵", "term", 9)]
    assert in_context(generic, text, YOUTH.vocabulary, YOUTH.search, 8, 0) == generic


def test_at_most_the_limit():
    generic = [Suggestion(f"청년 월{i} 안내", "title", 1, f"d{i}") for i in range(10)]
    assert len(in_context(generic, "청년 월", YOUTH.vocabulary, YOUTH.search, 4, 0)) == 4


def test_the_rest_of_a_compound_holding_the_word_before_is_a_completion():
    titles = Titles(
        ["청년월세 한시 특별지원", "역세권청년주택 공급"],
        parts={"청년월세": ["청년", "월세"], "역세권청년주택": ["역세권", "청년", "주택"]},
    )
    assert suggested(titles, "청년 월") == [("청년 월세", "term", 1)]
    assert suggested(titles, "청년 주") == [("청년 주택", "term", 1)]


def test_the_title_s_word_is_offered_not_the_stem_the_index_holds():
    titles = Titles(
        ["어르신 돌봄서비스 지원", "어르신 돌봄서비스 지원 확대", "어르신 돌봄서비스 강화"],
        parts={"돌봄서비스": ["돌보", "서비스"]},
    )
    assert suggested(titles, "어르신 돌") == [
        ("어르신 돌봄서비스", "term", 3),
        ("어르신 돌봄서비스 지원", "phrase", 3),  # not 강화: one title
    ]


def test_a_completion_is_followed_by_the_phrases_two_titles_or_more_hold():
    titles = Titles(
        [
            "청년월세 지원 안내",
            "청년 월세 지원",
            "청년 월세 한시 특별지원",
            "청년 월급 및 수당",
            "청년 월급 및 복지",
        ],
        parts={"청년월세": ["청년", "월세"]},
    )
    assert suggested(titles, "청년 월") == [
        ("청년 월세", "term", 3),
        ("청년 월세 지원", "phrase", 3),
        ("청년 월급", "term", 2),  # 월급 및: a phrase does not end on a joining word
    ]


def test_a_word_in_one_title_among_many_of_the_head_is_found():
    many = [f"청년 창업 지원 {n}차" for n in range(200)]
    titles = Titles([*many, "청년월세 한시 특별지원"], parts={"청년월세": ["청년", "월세"]})
    assert suggested(titles, "청년 월")[0] == ("청년 월세", "term", 1)


def test_words_are_tried_until_the_budget_is_spent_those_in_most_titles_first():
    titles = Titles(["청년 월세 지원", "청년 월세 안내", "청년 월급 안내", "노인 월동 대책"])
    now = [0.0]

    def slow_holding(words):
        now[0] += 0.012  # two counts spend the 20 ms
        return titles.holding(words)

    search = ContextSearch(slow_holding, titles.matches)
    found = in_context([], "청년 월", titles.vocabulary, search, 8, 20, lambda: now[0])
    assert [s.text for s in found] == ["청년 월세", "청년 월급"]
    assert titles.asked == [("청년", "월세"), ("청년", "월급")]  # not 월동, in one title


def test_the_index_s_completions_that_find_nothing_with_the_words_before_are_dropped():
    titles = Titles(["장애인 병원 운영", "병해충 방제"], bodies=("장애인 병역 면제",))
    generic = [
        Suggestion("장애인 병해충", "term", 14),  # no document holds both
        Suggestion("장애인 병역", "term", 11),
        Suggestion("장애인 병해충 방제 사업", "title", 1, "doc-1"),  # a document's own
    ]
    assert suggested(titles, "장애인 병", generic) == [
        ("장애인 병원", "term", 1),
        ("장애인 병역", "term", 11),
        ("장애인 병해충 방제 사업", "title", 1),
    ]


def test_the_rarest_are_checked_first_and_past_the_budget_the_rest_are_kept_unchecked():
    titles = Titles(["병해충 방제"])
    now = [0.0]
    checked = []

    def slow_matches(text):
        checked.append(text)
        now[0] += 0.030  # one check spends the 20 ms
        return titles.matches(text)

    generic = [Suggestion("장애인 병해충", "term", 14), Suggestion("장애인 병충해", "term", 3)]
    search = ContextSearch(titles.holding, slow_matches)
    found = in_context(generic, "장애인 병", titles.vocabulary, search, 8, 20, lambda: now[0])
    assert checked == ["장애인 병충해"]  # in 3 documents against 14: checked first
    assert [s.text for s in found] == ["장애인 병해충"]


def test_all_the_words_before_are_tried_first_then_the_last_alone():
    titles = Titles(["서울 청년 월세 지원", "청년 월세 안내", "부산 청년 월급"])
    assert suggested(titles, "서울 청년 월") == [("서울 청년 월세", "term", 1)]
    titles.asked.clear()
    assert suggested(titles, "대구 청년 월") == [
        ("대구 청년 월세", "term", 2),
        ("대구 청년 월급", "term", 1),
    ]
    assert ("대구", "청년", "월세") in titles.asked and ("청년", "월세") in titles.asked


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
