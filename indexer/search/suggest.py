"""Suggestions as the user types, one rule for every backend: the engine's completions
of the last word, after the whole text corrected when it has typos or keyboard slips
(dkfltn: 아리수)."""

from __future__ import annotations

from indexer.config import Settings
from indexer.errors import SearchTimeoutError
from indexer.model.results import Suggestion
from indexer.search.engine import RequestEngine
from indexer.search.pipeline import correction_of


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
    try:
        correction = correction_of(engine, typed[: settings.max_query_chars])
    except SearchTimeoutError:
        return completions[:limit]
    if correction is None or any(s.text == correction for s in completions):
        return completions[:limit]
    return [Suggestion(correction, "correction", 0), *completions][:limit]
