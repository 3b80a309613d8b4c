"""Korean and English analysis: KoNLPy morphemes, Hangul bigrams, the taggers.

Whoosh pickles a schema's analyzers into the index by module path, so the two
tokenizer classes are named here, under one stable path (``indexer.analysis``),
wherever their code lives. Indexes built before the analysis package existed name the
bigram tokenizer ``indexer.bigrams.HangulBigramTokenizer``; that module name is kept
as an alias so they open without a rebuild.
"""

from __future__ import annotations

import sys

from indexer.analysis import bigrams
from indexer.analysis.bigrams import HangulBigramTokenizer, bigram_analyzer
from indexer.analysis.morphemes import MixedScriptTokenizer, load_user_terms, morpheme_analyzer

for _pickled in (HangulBigramTokenizer, MixedScriptTokenizer):
    _pickled.__module__ = __name__
sys.modules.setdefault("indexer.bigrams", bigrams)

__all__ = [
    "HangulBigramTokenizer",
    "MixedScriptTokenizer",
    "bigram_analyzer",
    "load_user_terms",
    "morpheme_analyzer",
]
