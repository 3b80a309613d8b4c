"""Suggestions as the user types, one rule for every backend: the engine's completions
of the last word, after the whole text corrected when it has typos or keyboard slips
(dkfltn: 아리수)."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Callable, Collection, Iterable, Sequence

from indexer.config import Settings
from indexer.deadline import Deadline
from indexer.errors import PolicySearchError, SearchTimeoutError
from indexer.model.request import MAX_SUGGEST_PREFIX_CHARS, SearchRequest, validate
from indexer.model.results import Suggestion
from indexer.query.spelling import Vocabulary, is_choseong
from indexer.reading.documents import normalize_text
from indexer.search.engine import PageRequest, Relaxing, RequestEngine, Selection
from indexer.search.pipeline import correction_of


@dataclass(frozen=True)
class Typed:
    """What the user has typed so far: the words before the last, and the start of the
    last one (lower-cased, at most MAX_SUGGEST_PREFIX_CHARS), which suggestions complete."""

    head: str
    prefix: str

    @classmethod
    def of(cls, text: str) -> Typed | None:
        """None when nothing is typed."""
        words = normalize_text(text).strip().split()
        if not words:
            return None
        return cls(" ".join(words[:-1]), words[-1].lower()[:MAX_SUGGEST_PREFIX_CHARS])

    def completed(self, term: str, source: str, count: int) -> Suggestion:
        """The words typed with the last one completed to ``term``."""
        return Suggestion(f"{self.head} {term}".strip(), source, count)


def by_initials(typed: Typed, vocabulary: Vocabulary, limit: int) -> list[Suggestion] | None:
    """Completions of initial consonants (ㅇㄹㅅ -> 아리수), most frequent first; None when
    the last word is not initial consonants."""
    if not is_choseong(typed.prefix):
        return None
    terms = vocabulary.with_initials(typed.prefix, limit)
    return [typed.completed(term, "initials", count) for term, count in terms]


def with_titles(
    completions: list[Suggestion], titles: Iterable[tuple[str, str]], typed: Typed, most: int
) -> list[Suggestion]:
    """``completions`` followed by the titles (title, document id) that hold the last
    word typed, each once, at most ``most`` suggestions in all."""
    suggestions = list(completions)
    seen = {s.text for s in suggestions}
    for title, doc_id in titles:
        if len(suggestions) >= most:
            break
        if typed.prefix in title.lower() and title not in seen:
            suggestions.append(Suggestion(title, "title", 1, doc_id))
            seen.add(title)
    return suggestions


def _all_known(typed: str, completions: list[Suggestion], engine: RequestEngine) -> bool:
    """Whether every word typed is one the vocabulary holds, the last one possibly still
    being typed (the vocabulary completes it): nothing to correct. Checking such text
    (a phrase match of its morphemes) cost up to 100 ms at 47,450 documents."""
    *before, last = typed.lower().split()
    completing = any(s.kind in ("term", "initials") for s in completions)
    if not before and completing:
        return True
    vocabulary = engine.vocabulary()
    held = all(vocabulary.count(word) > 0 for word in before)
    return held and (completing or vocabulary.count(last) > 0)


def with_correction(
    completions: list[Suggestion],
    text: str,
    engine: RequestEngine,
    settings: Settings,
    limit: int,
) -> list[Suggestion]:
    """``completions`` after the correction of ``text``, when it has one that is not
    among them; at most ``limit``. Past the request's budget, the completions alone
    (rather than nothing)."""
    typed = " ".join(text.split())
    if not typed or not settings.spelling_corrections or limit < 1:
        return completions[:limit] if limit > 0 else []
    if _all_known(typed, completions, engine):
        return completions[:limit]
    try:
        question = len(typed.split()) > settings.and_max_words
        correction = correction_of(engine, typed[: settings.max_query_chars], question=question)
    except SearchTimeoutError:
        return completions[:limit]
    if correction is None or any(s.text == correction for s in completions):
        return completions[:limit]
    return [Suggestion(correction, "correction", 0), *completions][:limit]


# Completions in context: the title words starting with the last word typed (and the
# rest of title compounds after the word before it) tried with that word, most titled
# first; one count of titles each.
CONTEXT_CANDIDATES = 6
# A count of titles costs 1 to 40 ms at 47,450 documents (a compound is a span query of
# its parts): candidates are tried while this lasts, so a keystroke stays within budget.
CONTEXT_BUDGET_MS = 20
# The words before the last that the titles must hold too (the last ones typed).
CONTEXT_WORDS = 3
# Titles read from those holding both words, for the phrases that follow.
CONTEXT_TITLES = 10
# A phrase (a completion and the word after it in titles) is offered when this many of
# those titles hold it: one title's words are offered as that title.
PHRASE_MIN_TITLES = 2
# Words a phrase does not end on: they join, they do not name (노인 일자리 및).
_JOINING_WORDS = frozenset({"및", "등", "또는", "와", "과", "위한", "관련", "대한", "통한", "따른"})

# (words) -> how many titles hold every one of them, and the first CONTEXT_TITLES.
TitlesHolding = Callable[[Sequence[str]], tuple[int, list[str]]]


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
    titles_holding: TitlesHolding,
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
    titles_holding: TitlesHolding,
    limit: int,
    clock: Callable[[], float] = time.monotonic,
) -> list[Suggestion]:
    """Completions of the last word that go with the word before it, first: for each
    title term starting with it (those in most titles, while CONTEXT_BUDGET_MS last),
    by how many titles hold both words (``titles_holding``), the words of those titles
    that start with it, each followed by its phrases; then ``suggestions`` (a correction
    of the whole text stays first). "청년 월" completes to 청년 월세 (청년월세 한시
    특별지원) before 청년 월드컵, commoner in the index but in no title with 청년;
    "어르신 돌" to 어르신 돌봄서비스 (the title word), not to the stem 돌보."""
    typed = Typed.of(text)
    if typed is None or not typed.head or is_choseong(typed.prefix) or limit < 1:
        return suggestions[:limit]
    head_words = typed.head.lower().split()[-CONTEXT_WORDS:]
    before = head_words[-1]
    candidates = _candidates(typed, before, vocabulary)
    budget = Deadline(CONTEXT_BUDGET_MS, clock)
    held = _held(candidates, head_words, titles_holding, budget)
    if not held and len(head_words) > 1:
        held = _held(candidates, [before], titles_holding, budget)
    first = [s for s in suggestions if s.kind == "correction"]
    taken = {s.text for s in first}
    contextual = []
    for count, _word, titles in sorted(held, key=lambda item: (-item[0], item[1])):
        for completion, kind in _following(typed.prefix, titles, before):
            suggestion = typed.completed(completion, kind, count)
            if suggestion.text not in taken:
                contextual.append(suggestion)
                taken.add(suggestion.text)
    return [*first, *contextual, *(s for s in suggestions if s.text not in taken)][:limit]


# At most this share of the suggestions are other people's searches, so the words and
# titles of the index stay in view.
PAST_SEARCHES_SHARE = 0.5


def with_past_searches(
    suggestions: list[Suggestion], past: list[tuple[str, int]], limit: int
) -> list[Suggestion]:
    """``suggestions`` with the frequent past searches that complete the text typed
    (``past``: search, times made, most made first) after a correction of the text and
    before the rest, at most PAST_SEARCHES_SHARE of ``limit`` of them."""
    first = [s for s in suggestions if s.kind == "correction"]
    taken = {s.text for s in first}
    most = max(1, int(limit * PAST_SEARCHES_SHARE))
    searched = [Suggestion(text, "popular", 0) for text, _ in past if text not in taken][:most]
    taken |= {s.text for s in searched}
    return [*first, *searched, *(s for s in suggestions if s.text not in taken)][:limit]


def titles_holding(engine: RequestEngine, settings: Settings) -> TitlesHolding:
    """``titles_holding`` for in_context on one request of a backend: the matches of the
    words in titles, counted and the first CONTEXT_TITLES read (none when the words
    cannot be searched or the request's budget is spent). No relaxing, no related
    results: a count and one short page per word tried."""

    def holding(words: Sequence[str]) -> tuple[int, list[str]]:
        request = SearchRequest(
            q=" ".join(f"title:{word}" for word in words),
            size=CONTEXT_TITLES,
            highlight=False,
            facets=False,
            translations="off",
        )
        try:
            checked = validate(request, settings)
            plan = engine.plan(checked)
            if plan.nothing or plan.query is None:
                return 0, []
            selection = Selection(plan.query)
            total = engine.count(selection, checked)
            if not total:
                return 0, []
            # Best first: titles holding the words as typed come before those holding a
            # synonym (노인 for 어르신), whose words do not follow what was typed.
            page = PageRequest(start=0, size=CONTEXT_TITLES, ranked=True, highlight=False)
            hits = engine.page(Relaxing(selection, plan.scored), checked, page)
        except PolicySearchError:
            return 0, []
        return total, [hit.title for hit in hits]

    return holding
