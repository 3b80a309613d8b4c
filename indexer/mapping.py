"""Field mappings: which source fields become which document fields, per file pattern.

A mapping is a TOML file (see ``indexer/mappings/`` and ``corpus/README.md``)::

    name = "kr-welfare-services"
    [[files]]
    glob = "welfare_services_*.jsonl"
    [files.fields]
    title = "title"
    body = ["body"]
    category = ["category"]
    [files.constants]
    lang = "ko"

Text fields named by a list take the first non-empty source field, except
``body`` and ``tags``, which join every non-empty one. ``^name`` reads a field of
the parent record for nested JSON (``record_path``); ``id_template`` builds ids
from fields, ``{_index}`` (position inside the parent) and ``{_record}``.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

SHIPPED_MAPPINGS_DIR = Path(__file__).parent / "mappings"
DOCUMENT_FIELDS = (
    "id", "title", "body", "category", "department", "date", "year", "lang",
    "source", "url", "tags", "author",
)
JOINED_FIELDS = frozenset({"body", "tags"})

# Source field names tried, in order, when no mapping names the field.
DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "doc_id", "uid"),
    "title": ("title", "program_title", "name", "subject", "headline"),
    "body": ("body", "text", "summary", "purpose", "content", "contents", "description", "context"),
    "category": ("category", "categories", "function_category", "topic"),
    "department": ("department", "dept", "organization", "agency"),
    "date": ("date", "published", "registered", "created"),
    "year": ("year", "fiscal_year"),
    "lang": ("lang", "language"),
    "source": ("source",),
    "url": ("url", "link", "bokjiro_url", "related_url"),
    "tags": ("tags", "keywords"),
    "author": ("author", "writer", "by"),
}


@dataclass(frozen=True)
class FileRule:
    glob: str
    fields: dict[str, tuple[str, ...]]
    constants: dict[str, str] = field(default_factory=dict)
    record_path: tuple[str, ...] = ()
    id_template: str = ""

    def matches(self, relative_path: str) -> bool:
        name = relative_path.rsplit("/", 1)[-1]
        return fnmatch.fnmatch(name, self.glob) or fnmatch.fnmatch(relative_path, self.glob)


@dataclass(frozen=True)
class Mapping:
    name: str
    rules: tuple[FileRule, ...]
    # With an explicit mapping, files no rule matches are skipped (they belong to the
    # dataset but are not documents, e.g. judgments); the default mapping takes all.
    skip_unmatched: bool = True

    def rule_for(self, relative_path: str) -> FileRule | None:
        for rule in self.rules:
            if rule.matches(relative_path):
                return rule
        return None


DEFAULT_MAPPING = Mapping(
    name="default",
    rules=(FileRule(glob="*", fields={k: v for k, v in DEFAULT_ALIASES.items()}),),
    skip_unmatched=False,
)


def shipped_mapping_names() -> list[str]:
    return sorted(p.stem for p in SHIPPED_MAPPINGS_DIR.glob("*.toml"))


def load_mapping(name_or_path: str | None) -> Mapping:
    """A shipped mapping by name, a TOML file by path, or the default mapping for None."""
    if not name_or_path:
        return DEFAULT_MAPPING
    path = Path(name_or_path)
    if not path.is_file():
        shipped = SHIPPED_MAPPINGS_DIR / f"{name_or_path}.toml"
        if not shipped.is_file():
            raise ConfigError(
                f"No mapping named {name_or_path!r}. Give a TOML file path or one of: "
                f"{', '.join(shipped_mapping_names())}."
            )
        path = shipped
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Mapping {path} is not valid TOML: {exc}") from None
    return _parse_mapping(data, path)


def mapping_for_corpus(corpus_path: Path) -> str | None:
    """The shipped mapping named like the corpus folder (e.g. kr-welfare-services), if any."""
    name = corpus_path.resolve().name if corpus_path.is_dir() else corpus_path.resolve().parent.name
    return name if name in shipped_mapping_names() else None


def _as_sources(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a field name or a list of field names, got {value!r}.")


def _parse_mapping(data: dict, path: Path) -> Mapping:
    rules = []
    for number, raw in enumerate(data.get("files", []), start=1):
        where = f"Mapping {path}, [[files]] #{number}"
        unknown = sorted(set(raw.get("fields", {})) - set(DOCUMENT_FIELDS))
        if unknown:
            raise ConfigError(
                f"{where}: unknown document fields {', '.join(unknown)}; "
                f"known: {', '.join(DOCUMENT_FIELDS)}."
            )
        fields = {name: _as_sources(v, where) for name, v in raw.get("fields", {}).items()}
        if "glob" not in raw:
            raise ConfigError(f"{where}: every [[files]] entry needs a glob.")
        rules.append(FileRule(
            glob=raw["glob"],
            fields=fields,
            constants={k: str(v) for k, v in raw.get("constants", {}).items()},
            record_path=tuple(raw.get("record_path", ())),
            id_template=raw.get("id_template", ""),
        ))
    if not rules:
        raise ConfigError(f"Mapping {path} has no [[files]] entries.")
    return Mapping(name=data.get("name", path.stem), rules=tuple(rules))
