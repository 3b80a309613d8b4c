"""The posting format of the text fields: Whoosh's ``Characters``, fed without Tokens.

Whoosh's ``Characters.word_values`` asks the analyzer for a Token per occurrence and
groups them by text. Both tokenizers give the same occurrences as plain tuples
(``postings``), and this format groups those: the analysis of 1,500 real documents as a
writer does it ran about twice as fast (with English stems cached besides). The bytes
written are Characters' own (its ``encode``), so indexes read the same either way.

Indexes pickle their schema, so this class is found by its path: keep it here.
"""

from __future__ import annotations

from typing import Any, Iterator

from whoosh.formats import Characters


class AnalyzedCharacters(Characters):
    """Characters whose occurrences come from the analyzer's ``postings`` when it has one."""

    def word_values(self, value: Any, analyzer: Any, **kwargs: Any) -> Iterator[tuple]:
        postings = getattr(analyzer, "postings", None)
        if postings is None or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        spans_of: dict[str, list[tuple[int, int, int]]] = {}
        for text, pos, start, end in postings(value):
            spans = spans_of.get(text)
            if spans is None:
                spans_of[text] = [(pos, start, end)]
            else:
                spans.append((pos, start, end))
        field_boost = self.field_boost
        encode = self.encode
        for text, spans in spans_of.items():
            # Every token's boost is 1.0, so a term's weight is its frequency.
            yield text, len(spans), float(len(spans)) * field_boost, encode(spans)
