"""Phrases evaluated over arrays: a word's Hangul bigrams in sequence (아리수 is 아리 then
리수) and a compound's parts, the phrases nearly every Korean query holds.

Whoosh's phrase matcher (SpanNear2 over an intersection) steps through the documents
holding every word and builds span objects from each one's positions: on bench/perf.py's
queries seen for the first time that was a tenth of a search. Here the documents holding
every word and their scores come from the arrays (Whoosh's score: the sum of the words'
scores, times the phrase's boost), and only their positions are read, from the posting
blocks (blockvalues.py), to keep those where the words stand one after another.
tests/test_phrases.py holds it to Whoosh's matcher.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as Q

from indexer.deadline import Deadline
from indexer.engines.whoosh.blockvalues import SegmentCache, stored_values
from indexer.search.evaluation import NO_MATCHES, Matches, QueryEvaluator, boosted, intersection

CHECK_EVERY = 256  # documents looked at between deadline checks


def is_consecutive_phrase(node: Q.Query) -> bool:
    """A phrase of words at consecutive positions (Whoosh's default slop of 1)."""
    return type(node) is Q.Phrase and node.slop == 1 and bool(node.words)


def phrase_matches(
    node: Q.Phrase,
    evaluator: QueryEvaluator,
    searcher,
    cache: SegmentCache | None,
    deadline: Deadline,
) -> Matches:
    """The live documents holding ``node``'s words one after another, scored as
    Whoosh scores a phrase."""
    fieldname = node.fieldname
    if fieldname not in searcher.schema:
        return NO_MATCHES
    field = searcher.schema[fieldname]
    try:
        words = [field.to_bytes(word) for word in node.words]
    except ValueError:
        return NO_MATCHES
    # A word no document holds leaves the intersection empty. Deleted documents are
    # left out before their positions are read (the evaluation drops them anyway).
    statistics = evaluator.statistics
    holding = intersection([evaluator.node(Q.Term(fieldname, word)) for word in words])
    if statistics.has_deletions and len(holding):
        live = statistics.live[holding.ids]
        holding = Matches(holding.ids[live], holding.scores[live])
    if len(words) > 1 and len(holding):
        keep = _in_sequence(searcher, fieldname, words, holding.ids.tolist(), cache, deadline)
        holding = Matches(holding.ids[keep], holding.scores[keep])
    return boosted(holding, node.boost)


def _in_sequence(
    searcher,
    fieldname: str,
    words: list[bytes],
    docnums: list[int],
    cache: SegmentCache | None,
    deadline: Deadline,
) -> np.ndarray:
    """Which of ``docnums`` (ascending) hold ``words`` at some p, p + 1, ... in turn."""
    positions = {
        word: stored_values(searcher, fieldname, word, docnums, "positions", cache)
        for word in dict.fromkeys(words)
    }
    keep = np.zeros(len(docnums), dtype=bool)
    for number, docnum in enumerate(docnums):
        if number % CHECK_EVERY == 0:
            deadline.check()
        starts = set(positions[words[0]].get(docnum, ()))
        for offset, word in enumerate(words[1:], start=1):
            if not starts:
                break
            starts &= {position - offset for position in positions[word].get(docnum, ())}
        keep[number] = bool(starts)
    return keep
