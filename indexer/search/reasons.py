"""Why each hit was found, read from which forms of the typed words it holds (the word
itself, a synonym, a translation): the same rule on every backend, which only says
which of the page's hits hold a form (RequestEngine.holding)."""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

from indexer.model.results import Hit, Reason
from indexer.query.forms import WordForms

ALL_WORDS = Reason("all_words")
SIMILAR_SPELLING = Reason("similar_spelling")


def with_reasons(
    hits: list[Hit],
    forms: Sequence[WordForms],
    holding: Callable[[object, Sequence[Hit]], frozenset[str]],
) -> list[Hit]:
    """``hits`` with their reasons: a match holds all words (and says which it held
    through a synonym); a related result says which words it held through a
    translation, and how many of the words it holds when not all."""
    if not hits:
        return hits
    if not forms:  # raw query syntax: a match is a match of the query
        return [
            hit if hit.related or hit.reasons else dataclasses.replace(hit, reasons=(ALL_WORDS,))
            for hit in hits
        ]

    def holders(found: Sequence[tuple[str, object]]) -> list[tuple[str, frozenset[str]]]:
        return [(word, holding(query, hits)) for word, query in found]

    read = [
        (
            form,
            holding(form.typed, hits) if form.typed is not None else frozenset(),
            holders(form.synonyms),
            holders(form.translations),
        )
        for form in forms
    ]
    # A hit found by meaning alone came with its reason (search/semantic.py).
    return [
        hit if hit.reasons else dataclasses.replace(hit, reasons=_reasons(hit, read))
        for hit in hits
    ]


def _reasons(hit: Hit, read: list) -> tuple[Reason, ...]:
    held = 0
    through: list[Reason] = []
    for form, typed, synonyms, translations in read:
        if hit.id in typed:
            held += 1
            continue
        synonym = next((word for word, ids in synonyms if hit.id in ids), None)
        if synonym is not None:
            held += 1
            through.append(Reason("synonym", {"word": form.word, "synonym": synonym}))
            continue
        translation = next((word for word, ids in translations if hit.id in ids), None)
        if translation is not None:
            held += 1
            through.append(Reason("translated", {"word": form.word, "translation": translation}))
    if not hit.related:
        return tuple(through) or (ALL_WORDS,)
    if not held and len(read) == 1:  # one word, not held: spelt like it (its bigrams)
        return (SIMILAR_SPELLING,)
    some = Reason("some_words", {"held": held, "words": len(read)})
    return (some, *through) if held < len(read) else (tuple(through) or (some,))
