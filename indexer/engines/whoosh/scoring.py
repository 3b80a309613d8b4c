"""BM25F with a term-frequency saturation (K1) per field.

Whoosh's BM25F takes one K1 for every field. The Hangul bigram fields want a much
lower one than the morpheme fields: a bigram repeated in a paragraph says little
more than one occurrence, while a repeated word does (bench/relevance.py).
"""

from __future__ import annotations

from whoosh import scoring

from indexer.fields import BIGRAM_FIELDS


class FieldBM25F(scoring.BM25F):
    def __init__(self, B: float, K1: float, field_K1: dict[str, float]) -> None:
        super().__init__(B=B, K1=K1)
        self.default_B, self.default_K1 = B, K1
        self.field_K1 = dict(field_K1)

    def parameters(self, fieldname: str) -> tuple[float, float]:
        """(B, K1) of a field: Whoosh's scorer and the array evaluation both use these."""
        return (
            float(self._field_B.get(fieldname, self.default_B)),
            self.field_K1.get(fieldname, self.default_K1),
        )

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        B, K1 = self.parameters(fieldname)
        return scoring.BM25FScorer(searcher, fieldname, text, B, K1, qf=qf)


def field_weighting(B: float, K1: float, bigram_K1: float) -> FieldBM25F:
    """Our scorer: the bigram fields with their own (low) K1."""
    return FieldBM25F(B=B, K1=K1, field_K1={name: bigram_K1 for name in BIGRAM_FIELDS})
