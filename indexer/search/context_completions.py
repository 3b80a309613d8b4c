"""Completions that go with the words typed before the last one, one rule for every
backend: "청년 월" completes to 청년 월세 because titles hold 청년 with 월세 (청년월세 한시
특별지원), not to 청년 월드컵, commoner in the index but in no title with 청년.

For each title term starting with the last word (those in most titles first), a count
of the titles that hold it with the words before, and the first of those titles: their
words that start with the last word are the completions (the title's word, 돌봄서비스,
not the stem 돌보 the index holds), by how many titles hold them, each followed by the
phrases two titles or more share (어르신 돌봄서비스 지원). The index's own completions
follow, those that find nothing with the words before dropped (장애인 병해충). All of it
within setting completion_context_ms: a count costs 1 to 40 ms at 47,450 documents.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Callable, Collection, Sequence

from indexer.config import Settings
from indexer.deadline import Deadline
from indexer.errors import PolicySearchError, SearchTimeoutError
from indexer.model.request import SearchRequest, validate
from indexer.model.results import Hit, Suggestion
from indexer.query.spelling import Vocabulary, is_choseong
from indexer.reading.documents import normalize_text
from indexer.search.engine import PageRequest, Relaxing, RequestEngine, Selection
from indexer.search.suggest import Typed

# Completions in context: the title words starting with the last word typed (and the
# rest of title compounds after the word before it) tried with that word, most titled
# first; one count of titles each.
CONTEXT_CANDIDATES = 6
# The words before the last that the titles must hold too (the last ones typed).
CONTEXT_WORDS = 3
# Titles read from those holding both words, for the phrases that follow.
CONTEXT_TITLES = 10
# A phrase (a completion and the word after it in titles) is offered when this many of
# those titles hold it: one title's words are offered as that title.
PHRASE_MIN_TITLES = 2
# Words a phrase does not end on: they join, they do not name (노인 일자리 및).
_JOINING_WORDS = frozenset({"및", "등", "또는", "와", "과", "위한", "관련", "대한", "통한", "따른"})


@dataclass(frozen=True)
class ContextSearch:
    """What completions in context ask of a backend."""

    # words -> how many titles hold every one of them, and the first CONTEXT_TITLES
    titles_holding: Callable[[Sequence[str]], tuple[int, list[str]]]
    # a text -> how many documents match it (None: no time left to tell)
    matches: Callable[[str], int | None]


# Between the words of a title: spaces and punctuation (생활보장(교육급여), 청년·신혼부부).
_BETWEEN_WORDS = re.compile(r"[\s\"'“”‘’「」『』｢｣()\[\]<>{},.·ㆍ:;!?/|~]+")


def _title_words(title: str, before: str) -> list[str]:
    """The words of ``title`` in order, lower-cased, a compound holding ``before``
    reduced to its rest (청년월세 after 청년: 월세; 역세권청년주택: 주택)."""
    words = _BETWEEN_WORDS.split(normalize_text(title).lower())
    rests = [word.partition(before)[2] if before in word else word for word in words]
    return [word for word in rests if word]


def _following(start: str, titles: Collection[str], before: str) -> list[tuple[str, str]]:
    """The title words (a compound's rest after ``before``) starting with ``start`` and
    longer, by how many distinct ``titles`` hold them, each followed by its phrases: the word and
    the next one, held by PHRASE_MIN_TITLES distinct titles or more and not ending on a
    joining word; as (text, kind of suggestion)."""
    held: Counter[str] = Counter()
    phrases: Counter[str] = Counter()
    titles = set(titles)
    for title in titles:
        in_order = _title_words(title, before)
        held.update({w for w in in_order if w.startswith(start)})
        phrases.update(
            f"{w} {after}"
            for w, after in set(pairwise(in_order))
            if w.startswith(start) and after not in _JOINING_WORDS
        )
    if any(phrase.split(" ", 1)[0] == start for phrase in phrases):
        held[start] = len(titles)  # the word typed whole: its phrases only, first
    found = []
    for word, _ in sorted(held.items(), key=lambda item: (-item[1], item[0])):
        if word != start:
            found.append((word, "term"))
        following = [(p, n) for p, n in phrases.items() if p.split(" ", 1)[0] == word]
        found += [
            (p, "phrase")
            for p, n in sorted(following, key=lambda item: (-item[1], item[0]))
            if n >= PHRASE_MIN_TITLES
        ]
    return found


def _candidates(typed: Typed, before: str, vocabulary: Vocabulary) -> list[str]:
    """Title terms that may complete the last word after ``before``: those starting with
    it, and the rest of those starting with ``before`` and it (청년월세 -> 월세)."""
    words = [t for t, _ in vocabulary.title_completions(typed.prefix, CONTEXT_CANDIDATES)]
    compounds = vocabulary.title_completions(before + typed.prefix, CONTEXT_CANDIDATES // 2)
    words += [t[len(before) :] for t, _ in compounds]
    return [w for w in dict.fromkeys(words) if w != typed.prefix and w != before]


def _held(
    candidates: list[str],
    head_words: list[str],
    titles_holding: Callable[[Sequence[str]], tuple[int, list[str]]],
    budget: Deadline,
) -> list[tuple[int, str, list[str]]]:
    """(titles, word, first titles) of the candidates some titles hold with the words,
    trying them in order until the budget is spent."""
    held = []
    for word in candidates:
        if budget.expired():
            break
        count, titles = titles_holding((*head_words, word))
        if count:
            held.append((count, word, titles))
    return held


def in_context(
    suggestions: list[Suggestion],
    text: str,
    vocabulary: Vocabulary,
    search: ContextSearch,
    limit: int,
    budget_ms: int,
    clock: Callable[[], float] = time.monotonic,
) -> list[Suggestion]:
    """The completions of the module docstring first, then ``suggestions`` (a correction
    of the whole text stays first), at most ``limit``; ``budget_ms``: 0, no limit."""
    typed = Typed.of(text)
    if typed is None or not typed.head or is_choseong(typed.prefix) or limit < 1:
        return suggestions[:limit]
    head_words = typed.head.lower().split()[-CONTEXT_WORDS:]
    before = head_words[-1]
    candidates = _candidates(typed, before, vocabulary)
    budget = Deadline(budget_ms, clock)
    held = _held(candidates, head_words, search.titles_holding, budget)
    if not held and len(head_words) > 1:
        held = _held(candidates, [before], search.titles_holding, budget)
    first = [s for s in suggestions if s.kind == "correction"]
    taken = {s.text for s in first}
    contextual = []
    for count, _word, titles in sorted(held, key=lambda item: (-item[0], item[1])):
        for completion, kind in _following(typed.prefix, titles, before):
            suggestion = typed.completed(completion, kind, count)
            if suggestion.text not in taken:
                contextual.append(suggestion)
                taken.add(suggestion.text)
    rest = [s for s in suggestions if s.text not in taken]
    wanted = limit - len(first) - len(contextual)
    return [*first, *contextual, *_finding(rest, wanted, search.matches, budget)][:limit]


def _finding(
    suggestions: list[Suggestion],
    wanted: int,
    matches: Callable[[str], int | None],
    budget: Deadline,
) -> list[Suggestion]:
    """Up to ``wanted`` of ``suggestions`` without the completed words that find nothing,
    checked while the budget lasts, the rarest first: they are the likeliest to find
    nothing and the quickest to count (장애인 병해충 before 장애인 병원). A title is a
    document's: it always finds."""
    shown = suggestions[: max(wanted, 0)]
    nothing = set()
    for suggestion in sorted((s for s in shown if s.kind == "term"), key=lambda s: s.count):
        if budget.expired():
            break
        if matches(suggestion.text) == 0:
            nothing.add(suggestion.text)
    return [s for s in suggestions if s.text not in nothing][: max(wanted, 0)]


def _matching(
    engine: RequestEngine, settings: Settings, text: str, size: int
) -> tuple[int, list[Hit]] | None:
    """The matches of ``text`` (every word, no relaxing, no related results): their
    count and the best ``size`` (none when the text cannot be searched); None when the
    engine's deadline ran out before the answer."""
    request = SearchRequest(
        q=text, size=max(size, 1), highlight=False, facets=False, translations="off"
    )
    try:
        checked = validate(request, settings)
        plan = engine.plan(checked)
        if plan.nothing or plan.query is None:
            return 0, []
        selection = Selection(plan.query)
        total = engine.count(selection, checked)
        if not total or not size:
            return total, []
        # Best first: titles holding the words as typed come before those holding a
        # synonym (노인 for 어르신), whose words do not follow what was typed.
        page = PageRequest(start=0, size=size, ranked=True, highlight=False)
        return total, engine.page(Relaxing(selection, plan.scored), checked, page)
    except SearchTimeoutError:
        return None
    except PolicySearchError:
        return 0, []


def context_search(engine: RequestEngine, settings: Settings) -> ContextSearch:
    """ContextSearch on one request of a backend."""

    def titles_holding(words: Sequence[str]) -> tuple[int, list[str]]:
        q = " ".join(f"title:{word}" for word in words)
        total, hits = _matching(engine, settings, q, CONTEXT_TITLES) or (0, [])
        return total, [hit.title for hit in hits]

    def matches(text: str) -> int | None:
        found = _matching(engine, settings, text, 0)
        return None if found is None else found[0]

    return ContextSearch(titles_holding, matches)


def with_context(
    suggestions: list[Suggestion],
    text: str,
    engine: RequestEngine,
    settings: Settings,
    limit: int,
) -> list[Suggestion]:
    """in_context on one request of a backend, within setting completion_context_ms."""
    search = context_search(engine, settings)
    vocabulary = engine.vocabulary()
    return in_context(suggestions, text, vocabulary, search, limit, settings.completion_context_ms)
