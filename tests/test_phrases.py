"""Phrases evaluated over arrays (engines/whoosh/phrases.py) give Whoosh's own phrase
matches: the same documents with the same scores, in an index of several segments with
deleted documents (the oracle: Whoosh's searcher)."""

from __future__ import annotations

import math
import random
import re

import pytest
from whoosh import query as Q

from indexer.engines.whoosh import phrases

from .conftest import welfare_index_in_segments


@pytest.fixture(scope="module")
def segmented(tmp_path_factory):
    """Welfare programs built, then reindexed with 30 changed and 20 removed."""
    tmp_path = tmp_path_factory.mktemp("phrases")
    index, documents = welfare_index_in_segments(tmp_path, " 장애인활동지원 서비스 변경 안내")
    yield index, documents
    index.close()


def bigram_phrase(fieldname: str, word: str, boost: float = 1.0) -> Q.Phrase:
    grams = [word[n : n + 2] for n in range(len(word) - 1)]
    return Q.Phrase(fieldname, grams, boost=boost)


def sample_phrases(documents, count: int) -> list[Q.Phrase]:
    """Bigram phrases of real words of three to six syllables from titles and bodies,
    some boosted, some of words no document holds in sequence, and morpheme phrases."""
    rng = random.Random(5)
    words = sorted(
        {
            word
            for document in documents
            for word in re.findall(r"[가-힣]{3,6}", document.title + " " + document.body[:300])
        }
    )
    chosen = rng.sample(words, count)
    found = [
        bigram_phrase(rng.choice(["title_bigram", "body_bigram"]), word, rng.choice([1.0, 2.5]))
        for word in chosen
    ]
    scrambled = [bigram_phrase("body_bigram", word[::-1]) for word in chosen[:20]]
    morphemes = [
        Q.Phrase("body", ["장애인", "활동"]),
        Q.Phrase("body", ["지원", "사업"]),
        Q.Phrase("title", ["아동", "수당"]),
        Q.Phrase("body", ["없는", "낱말"]),
        Q.Phrase("body", ["서비스"]),
    ]
    return found + scrambled + morphemes


def whoosh_scores(searcher, query) -> dict[int, float]:
    return {docnum: score for score, docnum in searcher.search(query, limit=None).top_n}


def test_phrases_on_arrays_match_whooshs_documents_and_scores(segmented):
    index, documents = segmented
    view = index.readers.current()
    assert len(list(view.searcher.reader().leaf_readers())) >= 2
    matched = 0
    for phrase in sample_phrases(documents, 150):
        expected = whoosh_scores(view.searcher, phrase)
        matches = view.evaluator().evaluate(phrase)
        ours = dict(zip(matches.ids.tolist(), matches.scores.tolist(), strict=True))
        assert set(ours) == set(expected), phrase
        for docnum, score in expected.items():
            assert math.isclose(ours[docnum], score, rel_tol=1e-9), phrase
        matched += len(expected)
    assert matched > 300


def test_a_phrase_is_evaluated_without_whooshs_matcher(segmented, monkeypatch):
    index, _ = segmented
    view = index.readers.current()

    def refuse(*args, **kwargs):
        raise AssertionError("Whoosh's phrase matcher was asked")

    monkeypatch.setattr(Q.Phrase, "matcher", refuse)
    matches = view.evaluator().evaluate(bigram_phrase("body_bigram", "장애인활동지원"))
    assert len(matches) >= 30  # the 30 changed documents at least


def test_phrases_with_a_slop_still_go_to_whoosh():
    assert not phrases.is_consecutive_phrase(Q.Phrase("body", ["a", "b"], slop=3))
    assert phrases.is_consecutive_phrase(Q.Phrase("body", ["a", "b"]))
