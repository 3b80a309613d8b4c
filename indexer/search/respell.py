"""Respelling: words no document holds, corrected, searched again or offered."""

from __future__ import annotations

import dataclasses
import re
from typing import Callable

from indexer.config import Settings
from indexer.messages import Notice
from indexer.model.request import CheckedRequest
from indexer.model.results import RELATED, Reason, SearchResult

_LETTERS = re.compile(r"[A-Za-z가-힣ㄱ-ㅣ]")  # nothing to correct without letters


def respell(
    result: SearchResult,
    checked: CheckedRequest,
    settings: Settings,
    answer_corrected: Callable[[CheckedRequest], SearchResult],
    correction: Callable[[str, bool], str | None],
) -> SearchResult:
    """Words no document holds, corrected from the index's vocabulary (indexer/spelling.py).
    When no document had every word typed, the corrected query is searched instead if
    documents have every corrected word (with a notice and a way back); otherwise the
    correction is offered ("did you mean"). Skipped when every word was required and
    found (each word then has documents). ``answer_corrected`` answers a request and
    ``correction`` corrects a text (as correction_of): each backend gives its own."""
    typed = checked.text.strip()
    every_word_found = result.total and not result.relaxed
    if not _LETTERS.search(typed) or (
        every_word_found and len(typed.split()) <= settings.and_max_words
    ):
        return result
    none_had_every_word = not result.total
    corrected = correction(typed, none_had_every_word)
    if corrected is None:
        return result
    if none_had_every_word:
        again = answer_corrected(dataclasses.replace(checked, text=corrected))
        if again.total:
            return _as_related(again, typed, corrected)
    result.suggestion = corrected
    result.notices.append(Notice("did_you_mean", {"suggestion": corrected}))
    return result


def _as_related(again: SearchResult, typed: str, corrected: str) -> SearchResult:
    """The corrected query's results as related results of the text typed: no document
    matched what was typed, so the total and the facets count none."""
    reason = Reason("corrected", {"original": typed, "corrected": corrected})
    hits = [
        dataclasses.replace(hit, tier=RELATED, reasons=(reason, *hit.reasons)) for hit in again.hits
    ]
    facets = [
        dataclasses.replace(
            facet,
            values=[dataclasses.replace(v, count=0) for v in facet.values if v.selected],
            value_count=0,
            truncated=False,
        )
        for facet in again.facets
    ]
    notice = Notice("corrected", {"original": typed, "corrected": corrected})
    return dataclasses.replace(
        again,
        total=0,
        related_total=again.total + again.related_total,
        hits=hits,
        facets=facets,
        searched=corrected,
        notices=[notice, *again.notices],
    )
