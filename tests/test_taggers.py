"""The JVM taggers (Komoran, Okt) selected by configuration: exact offsets and a working index."""

from __future__ import annotations

import shutil

import pytest

from indexer import SearchIndex, SearchRequest, build_index, read_corpus
from indexer.analysis.morphemes import morpheme_analyzer

from .conftest import make_settings

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="no Java runtime")

TEXT = "서울시는 광화문광장에서 도시재생 사업을 추진했다. Metaverse Seoul 2022년 장애인 활동지원"


@pytest.mark.parametrize("tagger", ["komoran", "okt"])
def test_jvm_tagger_tokens_point_at_their_surface(tagger):
    analyzer = morpheme_analyzer(tagger=tagger)
    tokens = list(analyzer(TEXT, positions=True, chars=True))
    texts = [t.text for t in tokens]
    assert {"서울시", "사업", "추진", "seoul", "2022", "활동", "지원"} <= set(texts)
    assert "는" not in texts and "을" not in texts
    for token in tokens:
        surface = TEXT[token.startchar : token.endchar]
        assert surface and surface.strip() == surface
        assert surface.lower().startswith(token.text[:2].lower()) or token.text == "metavers"


def test_an_index_built_with_komoran_is_searched_with_komoran(tmp_path, small_corpus):
    settings = make_settings(tmp_path, tagger="komoran")
    build_index(read_corpus(small_corpus).documents, settings.index_dir, settings)
    index = SearchIndex(settings.index_dir, settings)
    assert [h.id for h in index.search(SearchRequest(q="아리수는")).hits] == ["water-1"]
    assert index.stats().tagger == "komoran"
    index.close()
