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
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from indexer.errors import ConfigError
from indexer.fields import CORPUS_FIELDS, FIELDS
from indexer.reading.documents import (
    Document,
    Rejection,
    Warning_,
    clean_text,
    detect_lang,
    normalize_date,
    parse_year,
    validate,
)
from indexer.reading.formats.records import RawRecord

SHIPPED_MAPPINGS_DIR = Path(__file__).parent / "mappings"
DOCUMENT_FIELDS = CORPUS_FIELDS  # the fields a mapping may name
JOINED_FIELDS = frozenset(f.name for f in FIELDS if f.joined)
MANY_FIELDS = frozenset(f.name for f in FIELDS if f.many)
# Source field names tried, in order, when no mapping names the field.
DEFAULT_ALIASES: dict[str, tuple[str, ...]] = {f.name: f.aliases for f in FIELDS if f.aliases}


@dataclass(frozen=True)
class FileRule:
    glob: str
    fields: dict[str, tuple[str, ...]]
    constants: dict[str, str] = field(default_factory=dict)
    record_path: tuple[str, ...] = ()
    id_template: str = ""

    @functools.cached_property
    def readers_by_key(self) -> dict[tuple[bool, str], tuple[tuple[str, int, str], ...]]:
        """(from the parent record?, key) -> each (field, the source's place among the
        field's sources, source) that reads it: a record's own keys (about 10) find the
        fields that read them, instead of each field trying its sources (about 90 for
        the common names; most of a reindex's reading)."""
        readers: dict[tuple[bool, str], list[tuple[str, int, str]]] = {}
        for name, sources in self.fields.items():
            for place, (source, key, from_parent) in enumerate(_source_keys(sources)):
                readers.setdefault((from_parent, key), []).append((name, place, source))
        return {key: tuple(found) for key, found in readers.items()}

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
        rules.append(
            FileRule(
                glob=raw["glob"],
                fields=fields,
                constants={k: str(v) for k, v in raw.get("constants", {}).items()},
                record_path=tuple(raw.get("record_path", ())),
                id_template=raw.get("id_template", ""),
            )
        )
    if not rules:
        raise ConfigError(f"Mapping {path} has no [[files]] entries.")
    return Mapping(name=data.get("name", path.stem), rules=tuple(rules))


# -- applying a mapping to one record ------------------------------------------------

_TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


def _lookup(record: dict, parent: dict, source: str) -> Any:
    if source.startswith("^"):
        return parent.get(source[1:])
    return record.get(source)


def _source_keys(sources: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    """Each source, the key it reads and whether it reads the parent record (``^key``);
    worked out once per rule (``FileRule.readers_by_key``)."""
    return tuple(
        (source, source[1:], True) if source.startswith("^") else (source, source, False)
        for source in sources
    )


def _as_text(value: Any, field_name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return clean_text(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return clean_text(" ".join(str(v) for v in value))
    raise ValueError(f"field {field_name!r} holds {type(value).__name__}, expected text")


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [
            clean_text(v).replace(",", " ")
            for v in value
            if isinstance(v, (str, int, float)) and clean_text(v)
        ]
    if isinstance(value, (str, int, float)):
        return [clean_text(value).replace(",", " ")] if clean_text(value) else []
    raise ValueError(f"holds {type(value).__name__}, expected text or a list of text")


def present_sources(record: dict, parent: dict, rule: FileRule) -> dict[str, list[tuple[str, Any]]]:
    """Field name -> each (source, value) of the record (``^source``: of its parent)
    that holds a value, in the order the rule lists the field's sources."""
    read: dict[str, list[tuple[int, str, Any]]] = {}  # field -> (place, source, value)
    readers = rule.readers_by_key
    for from_parent, fields in ((False, record), (True, parent)):
        for key, value in fields.items():
            wanted = readers.get((from_parent, key))
            if wanted and value not in (None, "", []):
                for name, place, source in wanted:
                    read.setdefault(name, []).append((place, source, value))
    return {
        name: [(source, value) for _, source, value in sorted(found, key=lambda f: f[0])]
        for name, found in read.items()
    }


def map_fields(record: dict, parent: dict, rule: FileRule) -> dict[str, Any]:
    """Document field name -> value, read from a source record by one file rule."""
    values: dict[str, Any] = {}
    held = present_sources(record, parent, rule)
    for name in rule.fields:
        present = held.get(name, [])
        if name in MANY_FIELDS:
            collected: list[str] = []
            for source, value in present if name in JOINED_FIELDS else present[:1]:
                try:
                    collected.extend(_as_list(value))
                except ValueError as exc:
                    raise ValueError(f"field {source!r} {exc}") from None
            values[name] = list(dict.fromkeys(collected))
        elif name in JOINED_FIELDS:
            values[name] = "\n\n".join(_as_text(v, s) for s, v in present)
        else:
            values[name] = _as_text(present[0][1], present[0][0]) if present else ""
    for name, constant in rule.constants.items():
        if not values.get(name):
            values[name] = [constant] if name in MANY_FIELDS else constant
    return values


def document_id(
    mapped: str,
    record: dict,
    parent: dict,
    index: int,
    record_no: int | None,
    relative: str,
    rule: FileRule,
) -> str:
    """The id of a record: the id_template filled, the mapped id, or file#record."""
    if rule.id_template:

        def fill(match: re.Match[str]) -> str:
            key = match.group(1)
            if key == "_index":
                return str(index)
            if key == "_record":
                return str(record_no)
            value = _lookup(record, parent, key)
            if value is None:
                raise ValueError(f"id_template field {key!r} is missing")
            return clean_text(value)

        return _TEMPLATE_FIELD.sub(fill, rule.id_template)
    if mapped:
        return mapped
    relative = clean_text(relative)  # NFC, as ids read from fields are
    return relative if record_no is None else f"{relative}#{record_no}"


def map_record(
    raw: RawRecord, relative: str, rule: FileRule, max_body_chars: int
) -> Iterator[Document | Rejection | Warning_]:
    """One source record as a Document by one file rule: the document, or the reason it
    cannot be one, after any warnings (a body truncated to max_body_chars)."""
    record, parent, record_no = raw.data, raw.parent, raw.number
    if not isinstance(record, dict):
        yield Rejection(
            relative, record_no, f"record is a JSON {type(record).__name__}, expected an object"
        )
        return
    try:
        values = map_fields(record, parent, rule)
        doc_id = document_id(
            values.get("id", ""), record, parent, raw.index, record_no, relative, rule
        )
    except Exception as exc:  # noqa: BLE001 - whatever a record holds, it costs that record only
        yield Rejection(relative, record_no, str(exc) or type(exc).__name__)
        return
    body = values.get("body", "")
    if len(body) > max_body_chars:
        yield Warning_(
            relative,
            record_no,
            f"body of {len(body):,} characters truncated to {max_body_chars:,} (max_body_chars)",
        )
        body = body[:max_body_chars]
    fields = {name: values.get(name, [] if name in MANY_FIELDS else "") for name in CORPUS_FIELDS}
    date = normalize_date(values.get("date"))
    fields.update(
        id=doc_id,
        body=body,
        date=date,
        year=parse_year(values.get("year")) or parse_year(date),
        lang=values.get("lang") or detect_lang(values.get("title", "") + "\n" + body),
    )
    document = Document(**fields)
    problem = validate(document)
    if problem:
        yield Rejection(relative, record_no, problem, doc_id)
        return
    yield document
