"""Which shipped mapping a corpus PATH needs, recognised by its files' content.

A folder's name says nothing (a copy of kr-welfare-services may be called ``kw2``, and a
folder called like a dataset may hold something else): a shipped mapping applies when
the PATH holds a file one of its rules reads whose first records name the columns that
rule takes the id, title and body from (its column signature)."""

from __future__ import annotations

import itertools
from pathlib import Path

from indexer.reading.mapping import FileRule, load_mapping, shipped_mapping_names
from indexer.reading.readers import iter_files

_FILES_LOOKED_AT = 2000  # a PATH of more files is recognised by its first ones
_SIGNATURE_BYTES = 65_536  # where the first records' column names are


def mapping_for_corpus(corpus_path: Path) -> str | None:
    """The shipped mapping whose column signature the files under ``corpus_path`` have,
    or None (common field names)."""
    files = list(itertools.islice(iter_files(corpus_path), _FILES_LOOKED_AT))
    root = corpus_path if corpus_path.is_dir() else corpus_path.parent
    for name in shipped_mapping_names():
        rules = load_mapping(name).rules
        for path in files:
            relative = path.relative_to(root).as_posix()
            if any(rule.matches(relative) and _has_columns(path, rule) for rule in rules):
                return name
    return None


def signature(rule: FileRule) -> list[str]:
    """The columns a rule takes a document's id, title and body from (the first source
    of each; ``^name``, a parent record's field, is a column too)."""
    return [
        rule.fields[name][0].removeprefix("^")
        for name in ("id", "title", "body")
        if rule.fields.get(name)
    ]


def _has_columns(path: Path, rule: FileRule) -> bool:
    try:
        with open(path, "rb") as file:
            head = file.read(_SIGNATURE_BYTES).decode("utf-8", errors="ignore")
    except OSError:
        return False
    first_line = head.split("\n", 1)[0]
    header = {cell.strip().strip('"') for cell in first_line.split(",")}
    return all(f'"{column}"' in head or column in header for column in signature(rule))
