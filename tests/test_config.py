"""Settings come in layers, and the README documents every one of them."""

from __future__ import annotations

import dataclasses
import re

import pytest

from indexer import ConfigError, Settings, load_settings

from .conftest import PROJECT_ROOT


def test_defaults_then_file_then_environment_then_overrides(tmp_path):
    config = tmp_path / "policysearch.toml"
    config.write_text('page_size = 20\ntitle_boost = 4.0\ntagger = "mecab"\n', encoding="utf-8")
    environ = {"POLICYSEARCH_PAGE_SIZE": "30"}
    settings = load_settings(config, environ=environ, facet_size=7)
    assert settings.page_size == 30  # environment beats the file
    assert settings.title_boost == 4.0  # file beats the default
    assert settings.facet_size == 7  # explicit override beats everything
    assert settings.bm25_k1 == Settings().bm25_k1


def test_config_file_from_the_environment_and_a_policysearch_section(tmp_path):
    config = tmp_path / "other.toml"
    config.write_text("[policysearch]\nmax_page_size = 50\n", encoding="utf-8")
    settings = load_settings(None, environ={"POLICYSEARCH_CONFIG": str(config)})
    assert settings.max_page_size == 50


@pytest.mark.parametrize(
    "content, message",
    [
        ("page_sise = 3\n", "unknown settings: page_sise"),
        ("page_size = 'ten'\n", "must be a int"),
        ("tagger = 'kiwi'\n", "Unknown tagger"),
        ("page_size = \n", "not valid TOML"),
    ],
)
def test_bad_settings_are_explained(tmp_path, content, message):
    config = tmp_path / "bad.toml"
    config.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})


def test_readme_documents_every_setting_with_its_default():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", readme, re.M))
    for setting in dataclasses.fields(Settings):
        assert setting.name in table, f"README does not document {setting.name}"
        assert table[setting.name] == str(setting.default), setting.name
