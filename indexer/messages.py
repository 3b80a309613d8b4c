"""Messages as codes: what the core tells a user is a code and its parameters, rendered
in the user's language from one table per language (resources/messages.<lang>.toml).

The CLI prints English; the web renders the page's language, the API returns the code,
its parameters and the message in the language asked for (?hl=), and so does the widget.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "en"  # the CLI's, and the fallback of a code missing from a table
_TABLES_DIR = Path(__file__).parent / "resources"


@lru_cache(maxsize=None)
def message_table(language: str) -> Mapping[str, str]:
    """Code -> template of one language (unknown languages get English)."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    with open(_TABLES_DIR / f"messages.{language}.toml", "rb") as file:
        return MappingProxyType(tomllib.load(file))


def has_message(code: str) -> bool:
    return code in message_table(DEFAULT_LANGUAGE)


def render(code: str, language: str = DEFAULT_LANGUAGE, params: Mapping[str, Any] = {}) -> str:
    template = message_table(language).get(code) or message_table(DEFAULT_LANGUAGE).get(code)
    if template is None:
        return code
    return template.format(**params)


@dataclass(frozen=True)
class Notice:
    """Something the user should know about a result (the query was cut, relaxed ...)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str = DEFAULT_LANGUAGE) -> str:
        return render(self.code, language, self.params)

    def to_dict(self, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "message": self.text(language)}
