"""What the cluster's nodes hold: each analysed term as one word searchd keeps whole,
and a refusal in one line for a cluster set up by an earlier version."""

from __future__ import annotations

import json
import re

import pytest

from indexer.engines.sphinx.layout import LAYOUT_FILE, ClusterLayout, local_layout
from indexer.engines.sphinx.nodeconfig import CHARSET_TABLE, WORD_CHARACTERS
from indexer.engines.sphinx.querytext import sphinx_word
from indexer.engines.sphinx.search import ClusterSearcher
from indexer.errors import ConfigError

from .conftest import make_settings

TERMS = ["10", "10.5", "10%", "1,000", "co-op", "漢字", "a_b", "a_5f_b", "서울", "ㅎㅎ", "é", "(x)"]
KEPT = "".join(f"{re.escape(first)}-{re.escape(last)}" for first, last in WORD_CHARACTERS)


def test_every_term_is_one_word_of_the_charset_and_different_terms_stay_different():
    words = [sphinx_word(term) for term in TERMS]
    for term, word in zip(TERMS, words, strict=True):
        assert re.fullmatch(f"[_{KEPT}]+", word), (term, word)
    assert len(set(words)) == len(TERMS)
    assert sphinx_word("서울") == "서울" and sphinx_word("10") == "10"  # plain terms unchanged
    assert "_" in CHARSET_TABLE.split(", ")  # the escape character is a word character


def test_a_cluster_set_up_by_an_earlier_version_is_refused_in_one_line(tmp_path):
    layout = local_layout(2)
    layout.save(tmp_path)
    data = json.loads((tmp_path / LAYOUT_FILE).read_text())
    del data["version"]  # as cluster init wrote it before version 2
    (tmp_path / LAYOUT_FILE).write_text(json.dumps(data))
    settings = make_settings(tmp_path, backend="cluster", cluster_dir=str(tmp_path))
    with pytest.raises(ConfigError) as refused:
        ClusterSearcher(ClusterLayout.load(tmp_path), settings)
    assert "earlier version" in str(refused.value) and "\n" not in str(refused.value)
    assert "policysearch index" in str(refused.value)
    ClusterSearcher(layout, settings)  # today's layout opens
