"""HWP 5.0 (Hancom's OLE2 compound file) -> text, written on olefile and zlib.

Written here rather than taken from PyPI: the ready-made readers measured for this
project index the stub of 배포용 (distribution) files, drop table cells or are AGPL or
unmaintained. The format (Hancom's published "HWP 5.0" specification):

- ``FileHeader``: the signature "HWP Document File", then at offset 36 a flags DWORD:
  bit 0 compressed, bit 1 password, bit 2 배포용 (the body is only in the encrypted
  ``ViewText``; ``BodyText`` holds a stub saying so), bit 4 DRM. Checked first.
- ``BodyText/Section<N>``: raw-deflate streams of records. A record header is a DWORD:
  tag (10 bits), level (10 bits), size (12 bits; 0xFFF means a DWORD of size follows).
- ``HWPTAG_PARA_TEXT`` records hold a paragraph's UTF-16LE text. Paragraphs in table
  cells, headers, footers, footnotes and text boxes are records of the same stream,
  nested below their control, so reading every PARA_TEXT in order reads them all.
- In that text, codes below 32 are controls. 0, 10, 13 and 24-31 take one UTF-16 unit;
  every other one takes eight (the code, six units of parameters, the code again).
- ``\\x05HwpSummaryInformation``: an OLE property set; 2 is the title, 4 the author.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array

from indexer.reading.formats import ExtractedText, FormatError
from indexer.reading.formats.titles import choose_title, clean_author

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SIGNATURE = b"HWP Document File"
FLAG_COMPRESSED = 1 << 0
FLAG_PASSWORD = 1 << 1
FLAG_DISTRIBUTION = 1 << 2
FLAG_DRM = 1 << 4
HWPTAG_PARA_TEXT = 0x10 + 51
SUMMARY_STREAM = "\x05HwpSummaryInformation"
PROPERTY_TITLE, PROPERTY_AUTHOR = 2, 4
# A section that inflates past this is a compression bomb or damage, not a document.
MAX_SECTION_BYTES = 256 * 2**20
MAX_SECTIONS = 1000
_ONE_UNIT_CONTROLS = frozenset({0, 10, 13, *range(24, 32)})
_CONTROL_TEXT = {10: "\n", 13: "\n", 9: "\t", 24: "-", 30: " ", 31: " "}


def read_hwp(data: bytes) -> ExtractedText:
    import olefile

    if not data.startswith(OLE_MAGIC):
        raise FormatError(
            "not an HWP 5.0 file (no OLE2 signature: damaged, or saved through a text conversion)"
        )
    try:
        ole = olefile.OleFileIO(data)
    except Exception as exc:  # olefile raises several types on damaged containers
        raise FormatError(f"damaged HWP file: {exc}") from None
    try:
        flags = _check_header(ole)
        sections = _section_names(ole)
        if not sections:
            raise FormatError("damaged HWP file: no BodyText sections")
        paragraphs: list[str] = []
        for name in sections:
            raw = ole.openstream(name).read()
            stream = _inflate(raw, name) if flags & FLAG_COMPRESSED else raw
            paragraphs.extend(_paragraph_texts(stream))
        title, author = _summary(ole)
    except FormatError:
        raise
    except Exception as exc:  # a damaged stream inside an intact container
        raise FormatError(f"damaged HWP file: {exc}") from None
    finally:
        ole.close()
    body = "\n".join(p for p in paragraphs if p.strip())
    return ExtractedText(body=body, title=choose_title(title, body), author=clean_author(author))


def _check_header(ole) -> int:
    if not ole.exists("FileHeader"):
        raise FormatError("not an HWP file (an OLE2 file without an HWP FileHeader)")
    header = ole.openstream("FileHeader").read(256)
    if not header.startswith(SIGNATURE) or len(header) < 40:
        raise FormatError("not an HWP file (the FileHeader signature is missing)")
    flags = struct.unpack_from("<I", header, 36)[0]
    if flags & FLAG_PASSWORD:
        raise FormatError("password-protected HWP document: save it without a password to index it")
    if flags & FLAG_DRM:
        raise FormatError("DRM-protected HWP document: export it without DRM to index it")
    if flags & FLAG_DISTRIBUTION:
        raise FormatError(
            "배포용 (distribution) HWP document: its text is encrypted; index the original document"
        )
    return flags


def _section_names(ole) -> list[str]:
    numbered = []
    for parts in ole.listdir(streams=True, storages=False):
        if len(parts) == 2 and parts[0] == "BodyText" and parts[1].startswith("Section"):
            suffix = parts[1][len("Section") :]
            if suffix.isdigit():
                numbered.append((int(suffix), "/".join(parts)))
    return [name for _, name in sorted(numbered)[:MAX_SECTIONS]]


def _inflate(raw: bytes, name: str) -> bytes:
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(raw, MAX_SECTION_BYTES)
    except zlib.error as exc:
        raise FormatError(f"damaged HWP file: {name} does not inflate ({exc})") from None
    if inflater.unconsumed_tail:
        raise FormatError(f"{name} inflates past {MAX_SECTION_BYTES // 2**20} MB")
    return data


def _paragraph_texts(stream: bytes) -> list[str]:
    texts = []
    position, end = 0, len(stream)
    while position + 4 <= end:
        header = struct.unpack_from("<I", stream, position)[0]
        position += 4
        tag, size = header & 0x3FF, (header >> 20) & 0xFFF
        if size == 0xFFF:
            if position + 4 > end:
                break
            size = struct.unpack_from("<I", stream, position)[0]
            position += 4
        if tag == HWPTAG_PARA_TEXT:
            texts.append(paragraph_text(stream[position : position + size]))
        position += size
    return texts


def paragraph_text(record: bytes) -> str:
    """The characters of one PARA_TEXT record, controls turned into spacing or dropped."""
    units = array("H")  # 2 bytes on every CPython platform
    units.frombytes(record[: len(record) // 2 * 2])
    if sys.byteorder == "big":  # pragma: no cover - HWP text is little-endian
        units.byteswap()
    pieces: list[str] = []
    run_start = index = 0
    count = len(units)
    while index < count:
        code = units[index]
        if code >= 32:
            index += 1
            continue
        if run_start < index:
            pieces.append(record[run_start * 2 : index * 2].decode("utf-16-le", "replace"))
        pieces.append(_CONTROL_TEXT.get(code, ""))
        index += 1 if code in _ONE_UNIT_CONTROLS else 8
        run_start = index
    if run_start < count:
        pieces.append(record[run_start * 2 : count * 2].decode("utf-16-le", "replace"))
    return "".join(pieces).rstrip("\n")


def _summary(ole) -> tuple[str, str]:
    if not ole.exists(SUMMARY_STREAM):
        return "", ""
    try:
        properties = ole.getproperties(SUMMARY_STREAM, convert_time=False)
    except Exception:  # metadata is optional: a damaged property set costs only the title
        return "", ""

    def text(key: int) -> str:
        value = properties.get(key)
        # olefile reads HWP's strings past their end: the value ends at the first NUL.
        return value.split("\x00")[0] if isinstance(value, str) else ""

    return text(PROPERTY_TITLE), text(PROPERTY_AUTHOR)
