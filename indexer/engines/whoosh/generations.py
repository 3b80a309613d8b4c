"""The index directory on disk: generations, the CURRENT pointer, and telling a complete
generation from a damaged one (the writer lock is indexer/lock.py).

Layout::

    index_dir/
      CURRENT            name of the generation readers open (replaced atomically)
      gen-<utc>-<pid>/   one complete Whoosh index plus meta.json
      write.lock         held (lockf) by the one process writing (indexer/lock.py)

A full build writes a new generation beside the serving one and then replaces
CURRENT in one rename, so readers never see a half-built index and a crash leaves
the previous generation answering. meta.json is written last and lists every file
of the generation with its size and CRC-32: a generation without it is incomplete,
and one whose files differ from it is damaged.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexer.errors import IndexDamagedError, IndexMissingError
from indexer.vectors.store import IDS_FILE, MATRIX_FILE
from indexer.writing.files import write_text_atomically

CURRENT_FILE = "CURRENT"
META_FILE = "meta.json"
GENERATION_PREFIX = "gen-"
# What CURRENT may name: a generation directory directly inside index_dir, never a path.
_GENERATION_NAME = re.compile(r"^gen-[0-9A-Za-z_-]{1,100}$")
_CRC_CHUNK_BYTES = 4 * 2**20
VECTOR_FILES = (MATRIX_FILE, IDS_FILE)


def current_generation(index_dir: str | os.PathLike[str]) -> Path:
    """The directory CURRENT names; raises IndexMissingError, or IndexDamagedError when
    CURRENT is empty, names something that is not a generation, or names a missing one."""
    root = Path(index_dir)
    try:
        name = (root / CURRENT_FILE).read_text(encoding="utf-8", errors="replace").strip()
    except FileNotFoundError:
        raise IndexMissingError(
            f"No index in {root}. Build one with: policysearch index [PATH] --index-dir {root}"
        ) from None
    except IsADirectoryError:
        name = ""
    if not _GENERATION_NAME.match(name):
        raise IndexDamagedError(
            f"The index in {root} is damaged: {CURRENT_FILE} holds {name[:60]!r}, not a "
            f"generation name. Rebuild it with: policysearch index --index-dir {root}"
        )
    generation = root / name
    if not generation.is_dir():
        raise IndexDamagedError(
            f"The index in {root} points at {name}, which is missing. Rebuild it with: "
            f"policysearch index [PATH] --index-dir {root}"
        )
    return generation


def has_index(index_dir: str | os.PathLike[str]) -> bool:
    """Whether index_dir holds an index at all (even a damaged one, which a build repairs)."""
    root = Path(index_dir)
    return (root / CURRENT_FILE).exists() or any(_generations(root))


def _generations(root: Path) -> list[Path]:
    try:
        children = list(root.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(
        (
            c
            for c in children
            if c.name.startswith(GENERATION_PREFIX) and c.is_dir() and not c.is_symlink()
        ),
        key=lambda c: c.name,
    )


def new_generation(index_dir: str | os.PathLike[str]) -> Path:
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    generation = root / f"{GENERATION_PREFIX}{stamp}-{os.getpid()}"
    generation.mkdir()
    return generation


def _current_name(root: Path) -> str | None:
    try:
        return current_generation(root).name
    except IndexMissingError:
        return None


def switch_generation(index_dir: str | os.PathLike[str], generation: Path) -> None:
    """Points readers at ``generation`` and removes all but the previous generation."""
    root = Path(index_dir)
    previous = _current_name(root)
    write_text_atomically(root / CURRENT_FILE, generation.name + "\n")
    keep = {generation.name} | ({previous} if previous else set())
    for child in _generations(root):
        if child.name not in keep:
            # Older generations, and leftovers of builds that crashed midway.
            shutil.rmtree(child, ignore_errors=True)


def remove_incomplete_generations(index_dir: str | os.PathLike[str]) -> list[str]:
    """Removes generations left by a build that crashed or ran out of disk (no meta.json,
    which a build writes last; not CURRENT), so their space is free before the next build starts.
    Call with the write lock held."""
    root = Path(index_dir)
    current = _current_name(root)
    removed = []
    for child in _generations(root):
        if child.name != current and not read_meta(child):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
    return removed


def file_checksums(
    generation: Path, known: dict[str, list[int]] | None = None
) -> dict[str, list[int]]:
    """name -> [size, CRC-32] of every file of a generation but meta.json. Whoosh never
    rewrites a file, so entries in ``known`` whose size still matches are reused (not
    for the vector files, which a reindex rewrites in place)."""
    table: dict[str, list[int]] = {}
    for path in sorted(generation.iterdir()):
        if not path.is_file() or path.name == META_FILE or path.name.startswith("."):
            continue
        size = path.stat().st_size
        previous = None if path.name in VECTOR_FILES else (known or {}).get(path.name)
        table[path.name] = previous if previous and previous[0] == size else [size, _crc32(path)]
    return table


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CRC_CHUNK_BYTES):
            crc = zlib.crc32(chunk, crc)
    return crc


def generation_problem(generation: Path, full: bool = False) -> str | None:
    """Why a generation cannot be served, or None. Sizes are always compared with
    meta.json; ``full`` also compares CRC-32s (reads every byte: once per generation a
    process opens, never per request). Whoosh then opens it, which reads the TOC and
    every segment's directory."""
    meta = read_meta(generation)
    if not meta:
        return f"{META_FILE} is missing or unreadable"
    files = meta.get("files", {})
    if not isinstance(files, dict) or not all(
        isinstance(entry, list) and len(entry) == 2 and all(isinstance(v, int) for v in entry)
        for entry in files.values()
    ):
        return f"the file list in {META_FILE} is malformed"
    for name, (size, crc) in files.items():
        if name in VECTOR_FILES:
            continue  # damaged vectors only turn similar meaning off (vector_problem)
        path = generation / name
        if not path.exists():
            continue  # merged away by a later reindex; a file Whoosh needs fails it below
        found_size = path.stat().st_size
        if found_size != size:
            return f"{name} is {found_size:,} bytes, {size:,} were written"
        if full and _crc32(path) != crc:
            return f"{name} does not hold the bytes that were written (checksum differs)"
    try:
        from indexer.engines.whoosh.mapped import open_for_reading

        index = open_for_reading(generation)
        index.reader().close()
        index.close()
    except Exception as exc:  # any failure to open is damage, whatever Whoosh raises
        return f"Whoosh cannot open it ({type(exc).__name__}: {str(exc)[:120]})"
    return None


def vector_problem(generation: Path) -> str | None:
    """Why the generation's vector files cannot be trusted (they differ from what
    meta.json recorded), or None (also when none were written)."""
    files = read_meta(generation).get("files", {})
    for name in VECTOR_FILES:
        entry = files.get(name) if isinstance(files, dict) else None
        if not entry:
            continue
        path = generation / name
        if not path.exists():
            return f"{name} is missing"
        if path.stat().st_size != entry[0] or _crc32(path) != entry[1]:
            return f"{name} does not hold the bytes that were written"
    return None


@dataclass(frozen=True)
class ServingChoice:
    generation: Path
    notice: str = ""  # set when CURRENT's generation is damaged and an older one answers


def serving_generation(
    index_dir: str | os.PathLike[str], full: bool = False, damaged: dict[str, str] | None = None
) -> ServingChoice:
    """CURRENT's generation when it can be read, else the newest complete one that can,
    with a one-line notice; raises IndexMissingError / IndexDamagedError when none can.
    ``damaged`` (name -> reason) caches verdicts between calls."""
    root = Path(index_dir)
    verdicts = damaged if damaged is not None else {}
    problem = None
    try:
        current = current_generation(root)
        if current.name not in verdicts:
            reason = generation_problem(current, full)
            if reason is None:
                return ServingChoice(current)
            verdicts[current.name] = reason
        problem = f"generation {current.name} is damaged: {verdicts[current.name]}"
    except IndexDamagedError as exc:
        if not any(_generations(root)):
            raise
        problem = str(exc).split(". Rebuild")[0]
    for candidate in reversed(_generations(root)):
        if candidate.name in verdicts:
            continue
        reason = generation_problem(candidate, full)
        if reason is None:
            built = read_meta(candidate).get("built_at", "?")
            return ServingChoice(
                candidate,
                (
                    f"The index in {root}: {problem}. Serving the newest complete generation "
                    f"{candidate.name} (built {built}). "
                    f"Rebuild: policysearch index --index-dir {root}"
                ),
            )
        verdicts[candidate.name] = reason
    raise IndexDamagedError(
        f"The index in {root}: {problem}, and no earlier complete generation "
        f"can be read. Rebuild it: policysearch index --index-dir {root}"
    )


def read_meta(generation: Path) -> dict[str, Any]:
    try:
        meta = json.loads((generation / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8 or not JSON
        return {}
    return meta if isinstance(meta, dict) else {}


def write_meta(generation: Path, meta: dict[str, Any]) -> None:
    write_text_atomically(generation / META_FILE, json.dumps(meta, ensure_ascii=False, indent=2))


def directory_size_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
