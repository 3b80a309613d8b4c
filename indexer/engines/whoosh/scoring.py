"""BM25F with a term-frequency saturation (K1) per field.

Whoosh's BM25F takes one K1 for every field. The Hangul bigram fields want a much
lower one than the morpheme fields: a bigram repeated in a paragraph says little
more than one occurrence, while a repeated word does (bench/relevance.py).
"""

from __future__ import annotations

from whoosh import scoring

from indexer.config import Settings
from indexer.search.evaluation import BM25FParameters, bm25f_parameters


class FieldBM25F(scoring.BM25F):
    def __init__(self, parameters: BM25FParameters) -> None:
        super().__init__(B=parameters.B, K1=parameters.K1)
        # B and K1 of every field: Whoosh's scorer and the array evaluation both use these.
        self.parameters_all = parameters

    def parameters(self, fieldname: str) -> tuple[float, float]:
        return self.parameters_all.of(fieldname)

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return scoring.WeightScorer.for_(searcher, fieldname, text)
        B, K1 = self.parameters(fieldname)
        return scoring.BM25FScorer(searcher, fieldname, text, B, K1, qf=qf)


def field_weighting(settings: Settings) -> FieldBM25F:
    """Our scorer, for Whoosh's matchers: the settings' BM25F."""
    return FieldBM25F(bm25f_parameters(settings))
