"""The text fields' postings made without a Token per occurrence
(engines/whoosh/postingformat.py, the tokenizers' ``postings``): the same terms,
frequencies, weights and encoded positions as Whoosh's own Characters format gives from
the same analyzer's tokens, so an index reads the same either way."""

from __future__ import annotations

import random

import pytest
from whoosh.formats import Characters

from indexer.analysis.morphemes import load_user_terms
from indexer.config import Settings
from indexer.engines.whoosh.postingformat import AnalyzedCharacters
from indexer.engines.whoosh.schema import build_schema

from .conftest import policy_documents

# Compounds, user-dictionary terms with particles, English possessives and stop words,
# numbers with separators, Hanja, a lone syllable, line breaks inside a Hangul run.
EDGE_TEXTS = [
    "",
    "   \n\t ",
    "광화문광장에서 서울시 청년수당 신청",
    "아리수는 서울의 수돗물이다. 따릉이를 타고 한강공원에",
    "The Mayor's plan for the city's youth: it's not what they'd said",
    "Seoul 청년 CCTV 설치 2018년 예산 1,234,567원 3.5%",
    "漢字 표기 國民 연금",
    "가 나 다라\n마바사\n\n아자",
    "café naïve résumé — “smart city” 스마트도시",
]


def _texts() -> list[str]:
    chosen = random.Random(11)
    documents = chosen.sample(policy_documents(), 300)
    return EDGE_TEXTS + [d.title for d in documents] + [d.body for d in documents]


@pytest.fixture(scope="module")
def text_fields():
    settings = Settings()
    assert load_user_terms(None), "the shipped user dictionary has terms"
    schema = build_schema(settings)
    return {name: schema[name] for name in ("title", "body", "title_bigram", "body_bigram")}


def test_every_text_field_of_the_schema_takes_the_postings_path(text_fields):
    for field in text_fields.values():
        assert isinstance(field.format, AnalyzedCharacters)
        assert hasattr(field.analyzer, "postings")


def test_a_text_fields_postings_are_those_whooshs_characters_format_makes(text_fields):
    tokens_format = Characters()
    compared = 0
    for name, field in text_fields.items():
        for text in _texts():
            made = list(field.format.word_values(text, field.analyzer, mode="index"))
            expected = list(tokens_format.word_values(text, field.analyzer, mode="index"))
            assert made == expected, (name, text[:80])
            compared += len(made)
    assert compared > 10_000


def test_a_tokenizers_postings_are_its_tokens_positions_and_offsets(text_fields):
    for field in text_fields.values():
        analyzer = field.analyzer
        for text in _texts()[:120]:
            tokens = [
                (t.text, t.pos, t.startchar, t.endchar)
                for t in analyzer(text, positions=True, chars=True)
            ]
            assert analyzer.postings(text) == tokens


def test_a_list_of_words_still_goes_through_whooshs_own_path(text_fields):
    field = text_fields["body"]
    made = list(field.format.word_values(["청년", "수당", "청년"], field.analyzer))
    expected = list(Characters().word_values(["청년", "수당", "청년"], field.analyzer))
    assert made == expected
    assert [word for word, *_ in made] == ["청년", "수당"]
