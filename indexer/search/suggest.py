"""Suggestions as the user types, one rule for every backend: the engine's completions
of the last word, after the whole text corrected when it has typos or keyboard slips
(dkfltn: 아리수)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from indexer.config import Settings
from indexer.errors import SearchTimeoutError
from indexer.model.request import MAX_SUGGEST_PREFIX_CHARS
from indexer.model.results import Suggestion
from indexer.query.spelling import Vocabulary, is_choseong
from indexer.reading.documents import normalize_text
from indexer.search.engine import RequestEngine
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
