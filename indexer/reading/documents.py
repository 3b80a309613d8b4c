"""The Document record every reader produces, and its validation."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date as Date

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN = re.compile(r"[A-Za-z]")
_DATE_PREFIX = re.compile(r"^\s*(\d{4})[-./](\d{1,2})[-./](\d{1,2})")
_YEAR_ONLY = re.compile(r"^\s*(\d{4})\s*$")
MAX_ID_CHARS = 300


@dataclass
class Document:
    id: str
    title: str
    body: str
    category: list[str] = field(default_factory=list)
    department: str = ""
    kind: str = ""  # 보도자료, 공고 ... (from a document file's layout, or a column)
    date: str = ""  # ISO yyyy-mm-dd, or "" when unknown
    date_source: str = ""  # where the date was read in a document file
    year: int | None = None
    lang: str = ""
    source: str = ""
    url: str = ""
    tags: list[str] = field(default_factory=list)
    author: str = ""
    # Where it was read from: the source (a corpus PATH, absolute) and the file inside
    # it. Reindexing a source deletes only that source's vanished documents, and never
    # those of a file that could not be read this time.
    origin_source: str = ""
    origin_file: str = ""

    def content_hash(self) -> str:
        """A stable hash of every field, so reindex can tell changed documents apart.
        The hashes of indexes already written must not change: the JSON is the one
        ``asdict`` gave, made from the fields directly (asdict copies every list deeply:
        3 of the 5 s that hashing the x10 corpus took, under cProfile)."""
        values = {name: getattr(self, name) for name in FIELD_NAMES}
        payload = json.dumps(values, ensure_ascii=False, sort_keys=True)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()


# Document's fields, in their order (content_hash, reading/packed.py).
FIELD_NAMES = tuple(f.name for f in fields(Document))


@dataclass(frozen=True)
class _Located:
    path: str
    record: int | None  # line (JSON Lines), row (CSV) or item number; None for a whole file

    def where(self) -> str:
        return self.path if self.record is None else f"{self.path} record {self.record}"


@dataclass(frozen=True)
class Rejection(_Located):
    """A file or record that was not indexed, and why; ``record_id``: the id the record
    has when it can be told (then only that document is kept from the index, not its
    whole file's)."""

    reason: str
    record_id: str = ""

    def describe(self) -> str:
        return f"{self.where()}: {self.reason}"


@dataclass(frozen=True)
class Warning_(_Located):
    """Something was indexed, but not exactly as given (e.g. truncated)."""

    message: str

    def describe(self) -> str:
        return f"{self.where()}: {self.message}"


def detect_lang(text: str) -> str:
    """'ko', 'en' or 'mixed' from the share of Hangul and Latin letters."""
    sample = text[:5000]
    hangul = len(_HANGUL.findall(sample))
    latin = len(_LATIN.findall(sample))
    if hangul == 0 and latin == 0:
        return ""
    if hangul >= latin * 4:
        return "ko"
    if latin >= hangul * 8:
        return "en"
    return "mixed"


def normalize_date(value: object) -> str:
    """Returns yyyy-mm-dd for date-like input, '' when the input carries no full date."""
    if value is None:
        return ""
    match = _DATE_PREFIX.match(str(value))
    if not match:
        return ""
    year, month, day = (int(part) for part in match.groups())
    try:
        return Date(year, month, day).isoformat()
    except ValueError:
        return ""


def parse_year(value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and 1000 <= value <= 9999:
        return value
    text = str(value)
    match = _YEAR_ONLY.match(text) or _DATE_PREFIX.match(text)
    if match:
        return int(match.group(1))
    return None


# Removed from all text, at index and query time alike (a regex: a character loop took
# 2 s of a 1% reindex of the x1 corpus): C0 controls but tab and newline, DEL, lone
# surrogates (JSON's "\ud800" decodes to one; it cannot be encoded or hashed),
# invisible characters that split words without showing (zero-width space/joiners,
# word joiner, soft hyphen, a BOM inside text), private-use characters (HWP
# bullets and symbol-font glyphs, which no one can type) and the non-characters
# U+FFFE and U+FFFF (no XML can hold them: a feed of such a document would not parse).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\u00ad\u200b-\u200d\u2060\ufeff\ud800-\udfff\ue000-\uf8ff\ufffe\uffff]"
)
# A literal <br> left in exported text (common in Korean portal CSVs) is a line break.
_LITERAL_BR = re.compile(r"<br\s*/?>", re.I)


def normalize_text(text: str) -> str:
    """The one text normalisation of documents and queries: invisible characters removed,
    literal <br> made a newline, then NFC (macOS writes decomposed Hangul, NFD, which an
    NFC query would never match)."""
    text = _LITERAL_BR.sub("\n", _INVISIBLE.sub("", text))
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def clean_text(value: object) -> str:
    """A field value as normalised text (see normalize_text), stripped."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return normalize_text(text).strip()


def validate(document: Document) -> str | None:
    """Returns the reason the document cannot be indexed, or None when it can."""
    if not document.id:
        return "no id"
    if len(document.id) > MAX_ID_CHARS:
        return f"id longer than {MAX_ID_CHARS} characters"
    if not document.title and not document.body:
        return "no title and no body text"
    return None  # a title alone is a document (983 Seoul budget programs have no body)
