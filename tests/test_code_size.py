"""The code stays in small pieces: no module over 400 lines, no class over 150, no
function over 60, in indexer/ and searchweb/. The exceptions are tables, named here
with why: the settings (one dataclass field per setting, each with its description)
and the OpenAPI description (data the API's routes are checked against)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 150
MAX_FUNCTION_LINES = 60
TABLES = {
    "indexer/config.py:Settings",
    "searchweb/openapi_schemas.py:schemas",
    "searchweb/openapi.py:openapi_document",
}


def _oversized() -> list[str]:
    found = []
    for package in ("indexer", "searchweb"):
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            name = path.relative_to(ROOT).as_posix()
            if source.count("\n") > MAX_MODULE_LINES:
                found.append(f"{name}: {source.count(chr(10))} lines")
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ClassDef):
                    limit = MAX_CLASS_LINES
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    limit = MAX_FUNCTION_LINES
                else:
                    continue
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > limit and f"{name}:{node.name}" not in TABLES:
                    found.append(f"{name}:{node.name}: {lines} lines")
    return found


def test_no_module_class_or_function_is_over_its_size():
    assert _oversized() == []


def test_the_named_tables_still_exist():
    # An exception for something that is gone would let a new one slip in under its name.
    names = set()
    for entry in TABLES:
        path, _, name = entry.partition(":")
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        if any(getattr(node, "name", None) == name for node in ast.walk(tree)):
            names.add(entry)
    assert names == TABLES
