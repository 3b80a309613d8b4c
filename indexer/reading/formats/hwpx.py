"""HWPX (OWPML, KS X 6101: a zip of XML parts) -> text, on zipfile and ElementTree.

- ``mimetype`` says ``application/hwp+zip``; ``Contents/content.hpf`` (OPF) lists the
  section parts in reading order and holds the title and creator.
- A password-protected HWPX is a readable zip whose parts are ciphertext; its
  ``META-INF/manifest.xml`` then has ``encryption-data``. Checked before any part is
  parsed (a parser would otherwise say "not well-formed").
- Text is in ``<hp:t>`` elements of ``<hp:p>`` paragraphs; table cells, headers,
  footers and footnotes are paragraphs nested in the same section part.

Every part read is capped in size (zip bombs), and ElementTree never fetches external
entities; Python's expat refuses entity expansion blow-ups ("billion laughs").
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
import zipfile

from indexer.reading.formats import ExtractedText, FormatError
from indexer.reading.formats.titles import choose_title, clean_author

MIMETYPE = "application/hwp+zip"
CONTENT_FILE = "Contents/content.hpf"
MANIFEST_FILE = "META-INF/manifest.xml"
MAX_PART_BYTES = 256 * 2**20
MAX_SECTIONS = 1000
_SECTION_NAME = re.compile(r"^Contents/section(\d+)\.xml$")
_BREAKS = {"lineBreak": "\n", "tab": "\t"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_hwpx(data: bytes) -> ExtractedText:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FormatError(f"not an HWPX file (not a zip archive: {exc})") from None
    with archive:
        names = set(archive.namelist())
        if "mimetype" in names and _part(archive, "mimetype").strip() != MIMETYPE.encode():
            raise FormatError("not an HWPX file (its mimetype is not application/hwp+zip)")
        if MANIFEST_FILE in names and b"encryption-data" in _part(archive, MANIFEST_FILE):
            raise FormatError(
                "password-protected HWPX document: save it without a password to index it"
            )
        title, author, listed = _package_info(archive, names)
        sections = listed or _numbered_sections(names)
        if not sections:
            raise FormatError("not an HWPX file (no Contents/section*.xml parts)")
        paragraphs: list[str] = []
        for name in sections[:MAX_SECTIONS]:
            paragraphs.extend(_section_paragraphs(_part(archive, name), name))
    body = "\n".join(p for p in paragraphs if p.strip())
    return ExtractedText(body=body, title=choose_title(title, body), author=clean_author(author))


def _part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise FormatError(
            f"{name} is {info.file_size:,} bytes unpacked, over {MAX_PART_BYTES // 2**20} MB"
        )
    try:
        with archive.open(info) as handle:
            data = handle.read(MAX_PART_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, RuntimeError) as exc:
        raise FormatError(f"damaged HWPX file: {name}: {exc}") from None
    if len(data) > MAX_PART_BYTES:  # the size in the directory lied
        raise FormatError(f"{name} unpacks past {MAX_PART_BYTES // 2**20} MB")
    return data


def _numbered_sections(names: set[str]) -> list[str]:
    numbered = [(int(m.group(1)), name) for name in names if (m := _SECTION_NAME.match(name))]
    return [name for _, name in sorted(numbered)]


def _package_info(archive: zipfile.ZipFile, names: set[str]) -> tuple[str, str, list[str]]:
    """(title, creator, section parts in spine order) from content.hpf, when it is there."""
    if CONTENT_FILE not in names:
        return "", "", []
    try:
        root = ElementTree.fromstring(_part(archive, CONTENT_FILE))
    except ElementTree.ParseError:
        return "", "", []  # the sections can still be found by name
    title = author = ""
    hrefs: dict[str, str] = {}
    spine: list[str] = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "title":
            title = element.text or ""
        elif name == "meta" and element.get("name") == "creator":
            author = element.text or ""
        elif name == "item" and element.get("id") and element.get("href"):
            hrefs[element.get("id", "")] = element.get("href", "")
        elif name == "itemref" and element.get("idref"):
            spine.append(element.get("idref", ""))
    sections = [
        hrefs[ref]
        for ref in spine
        if ref in hrefs and _SECTION_NAME.match(hrefs[ref]) and hrefs[ref] in names
    ]
    return title, author, sections


def _section_paragraphs(xml: bytes, name: str) -> list[str]:
    """Paragraph texts in document order; nested paragraphs (cells, notes) each their own."""
    paragraphs: list[str] = []
    open_paragraphs: list[list[str]] = []
    try:
        for event, element in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
            tag = _local(element.tag)
            if event == "start":
                if tag == "p":
                    open_paragraphs.append([])
                continue
            if tag == "t" and open_paragraphs:
                open_paragraphs[-1].append(_run_text(element))
            elif tag == "p" and open_paragraphs:
                paragraphs.append("".join(open_paragraphs.pop()))
                element.clear()
    except ElementTree.ParseError as exc:
        raise FormatError(f"damaged HWPX file: {name} is not well-formed XML ({exc})") from None
    return paragraphs


def _run_text(element: ElementTree.Element) -> str:
    pieces = [element.text or ""]
    for child in element:
        pieces.append(_BREAKS.get(_local(child.tag), ""))
        pieces.append(child.tail or "")
    return "".join(pieces)
