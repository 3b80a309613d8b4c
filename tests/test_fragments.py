"""Snippets from matches' offsets (search/fragments.py) choose the passages and spans
Whoosh's highlighter chose from the same offsets: its PinpointFragmenter with autotrim,
its fragment score with ties broken by position, whole titles (the oracle)."""

from __future__ import annotations

import random
import re
from heapq import nlargest

from whoosh.analysis import Token
from whoosh.highlight import BasicFragmentScorer, Fragment, PinpointFragmenter

from indexer.analysis.morphemes import morpheme_analyzer
from indexer.search.fragments import (
    TITLE_STYLE,
    WHOLE_STYLE,
    Match,
    chosen_passages,
    longest_at_each_start,
    marked_text,
    snippet_style,
)

from .conftest import policy_documents


def whoosh_passages(text: str, matches: list[Match], snippet_chars: int) -> list[tuple]:
    """The passages Whoosh chose: tokens as its highlight_hit makes them from stored
    offsets, its fragmenter, its scorer plus less than one for an earlier passage."""
    tokens = sorted(
        (Token(text=m.word, startchar=m.start, endchar=m.end) for m in matches),
        key=lambda t: t.startchar,
    )
    longest: dict[int, Token] = {}
    for token in tokens:
        kept = longest.get(token.startchar)
        if kept is None or token.endchar - token.startchar > kept.endchar - kept.startchar:
            longest[token.startchar] = token
    fragmenter = PinpointFragmenter(
        maxchars=max(20, snippet_chars // 2), surround=max(10, snippet_chars // 8), autotrim=True
    )
    fragments = fragmenter.fragment_matches(text, [longest[s] for s in sorted(longest)])
    scorer = BasicFragmentScorer()
    scored = [(scorer(f) + 1 / (2 + f.startchar), n, f) for n, f in enumerate(fragments)]
    best = sorted((f for _, _, f in nlargest(2, scored)), key=lambda f: f.startchar)
    return [_shape(f) for f in best]


def _shape(fragment: Fragment) -> tuple:
    return (
        fragment.startchar,
        fragment.endchar,
        sorted((t.startchar, t.endchar, t.text) for t in fragment.matches),
    )


def real_texts_with_matches(count: int) -> list[tuple[str, list[Match]]]:
    """Bodies of real documents, each with the occurrences of two to four of its own
    words (as the index would give them), chosen at random."""
    rng = random.Random(11)
    analyzer = morpheme_analyzer()
    documents = [d for d in policy_documents() if len(d.body) > 300]
    cases = []
    for document in rng.sample(documents, count):
        body = document.body[:6000]
        postings = analyzer.postings(body)
        words = sorted({term for term, *_ in postings})
        chosen = set(rng.sample(words, min(len(words), rng.randint(2, 4))))
        matches = [Match(start, end, term) for term, _, start, end in postings if term in chosen]
        cases.append((body, matches))
    return cases


def test_passages_equal_whooshs_on_real_bodies():
    compared = 0
    for text, matches in real_texts_with_matches(150):
        for snippet_chars in (120, 240):
            style = snippet_style(snippet_chars)
            ours = [
                _shape_ours(f) for f in chosen_passages(text, longest_at_each_start(matches), style)
            ]
            assert ours == whoosh_passages(text, matches, snippet_chars)
            compared += len(ours)
    assert compared > 300


def _shape_ours(fragment) -> tuple:
    return (fragment.start, fragment.end, sorted(fragment.matches))


def test_a_snippet_marks_each_run_of_matches_in_its_passages_as_one_span():
    checked = 0
    for text, matches in real_texts_with_matches(60):
        style = snippet_style(200)
        snippet = marked_text(text, matches, style)
        assert snippet is not None
        held = sorted(
            m
            for f in chosen_passages(text, longest_at_each_start(matches), style)
            for m in f.matches
        )
        runs: list[list[int]] = []
        for match in held:  # overlapping matches (a longer word's parts) make one run
            if runs and match.start <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], match.end)
            else:
                runs.append([match.start, match.end])
        expected = [re.sub(r"\s+", " ", text[start:end]) for start, end in runs]
        assert [snippet.text[start:end] for start, end in snippet.spans] == expected
        checked += len(expected)
    assert checked > 100


def test_overlapping_bigrams_are_one_span_and_a_whole_title_keeps_its_text():
    title = "도시재생활성화지역 지정"
    bigrams = [Match(n, n + 2, title[n : n + 2]) for n in range(2, 6)]
    snippet = marked_text(title, bigrams, TITLE_STYLE)
    assert snippet is not None
    assert snippet.text == title
    assert [title[s:e] for s, e in snippet.spans] == ["재생활성화"]


def test_whole_text_keeps_line_breaks_and_a_snippet_collapses_them():
    text = "첫 줄입니다.\n\n둘째 줄에 청년 월세 지원이 있습니다."
    at = text.index("청년")
    matches = [Match(at, at + 2, "청년")]
    whole = marked_text(text, matches, WHOLE_STYLE)
    assert whole is not None and whole.text == text
    assert [whole.text[s:e] for s, e in whole.spans] == ["청년"]
    passage = marked_text(text, matches, snippet_style(200))
    assert passage is not None and "\n" not in passage.text
    assert [passage.text[s:e] for s, e in passage.spans] == ["청년"]


def test_nothing_to_mark_gives_none():
    assert marked_text("청년 월세", [], snippet_style(200)) is None
    assert marked_text("", [Match(0, 2, "청년")], TITLE_STYLE) is None


def test_equal_passages_far_apart_are_chosen_by_position():
    filler = "서울시 도로 정비 계획에 따라 여러 구간을 나누어 공사합니다. " * 4
    text = "".join(f"{filler}아리수 공급 {n} " for n in range(5))
    matches = [Match(m.start(), m.end(), "아리수") for m in re.finditer("아리수", text)]
    chosen = chosen_passages(text, matches, snippet_style(120))
    assert [f.matches[0].start for f in chosen] == [m.start for m in matches[:2]]


def test_one_match_at_each_start_the_longest_then_the_first_given():
    equal = [Match(0, 2, "청년"), Match(0, 2, "청년층")]
    assert longest_at_each_start(equal) == [Match(0, 2, "청년")]
    mixed = [Match(9, 11, "월세"), Match(0, 2, "청년"), Match(0, 4, "청년월세")]
    assert longest_at_each_start(mixed) == [Match(0, 4, "청년월세"), Match(9, 11, "월세")]
    assert longest_at_each_start(mixed, end_limit=10) == [Match(0, 4, "청년월세")]
