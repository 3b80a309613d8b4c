"""DOCX (python-docx) -> text, and XLSX (openpyxl, read-only) -> rows of records."""

from __future__ import annotations

import io
import zipfile
from typing import Any, Iterator

from indexer.reading.formats import ExtractedText, FormatError
from indexer.reading.formats.titles import choose_title, clean_author, is_junk_title

# A cell, or a part of the zip, past these is damage or a bomb, not a document.
MAX_UNPACKED_BYTES = 512 * 2**20
MAX_COLUMNS = 1000


def _check_zip(data: bytes, kind: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            encrypted = any(info.flag_bits & 0x1 for info in archive.infolist())
    except zipfile.BadZipFile:
        # Office files saved with a password are OLE2 containers, not zips.
        if data.startswith(b"\xd0\xcf\x11\xe0"):
            raise FormatError(
                f"password-protected or legacy {kind} file: save it as an "
                f"unprotected .{kind.lower()} to index it"
            ) from None
        raise FormatError(f"not a {kind} file (not a zip archive)") from None
    if encrypted:
        raise FormatError(f"encrypted {kind} file")
    if unpacked > MAX_UNPACKED_BYTES:
        raise FormatError(
            f"{kind} file unpacks to {unpacked:,} bytes, over {MAX_UNPACKED_BYTES // 2**20} MB"
        )


def read_docx(data: bytes) -> ExtractedText:
    """Paragraphs and table cells in body order, then headers and footers."""
    _check_zip(data, "DOCX")
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.extend(_table_lines(block))
        for section in document.sections:
            for part in (section.header, section.footer):
                if not part.is_linked_to_previous:
                    lines.extend(p.text for p in part.paragraphs)
        properties = document.core_properties
        title, author = properties.title or "", properties.author or ""
    except FormatError:
        raise
    except Exception as exc:  # python-docx raises many types on damaged parts
        raise FormatError(f"damaged DOCX file: {exc}") from None
    body = "\n".join(line for line in lines if line.strip())
    # Word titles are typed by people more often than HWP's: keep a real one even
    # when the body does not start with it.
    chosen = title.strip() if title.strip() and not is_junk_title(title) else choose_title("", body)
    return ExtractedText(body=body, title=chosen, author=clean_author(author))


def _table_lines(table: Any) -> Iterator[str]:
    # A merged cell is listed once per grid column, as the same <w:tc> element. The
    # elements are kept referenced here: an id() alone could be reused by another cell
    # once the first proxy is freed (that dropped cells at random).
    seen: dict[int, Any] = {}
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            cells.append(cell.text.strip())
        line = " | ".join(c for c in cells if c)
        if line:
            yield line


def xlsx_rows(data: bytes) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """({header: value}, uncomputed columns) for every data row of every sheet, in
    workbook order. The first non-empty row of a sheet is its header, as in a CSV file.

    Values are the results Excel saved; a formula whose result was never saved (a file
    written by a program that does not compute formulas) reads as empty, and its column
    is listed as uncomputed so the reader can warn."""
    _check_zip(data, "XLSX")
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        # Formulas only where the sheets have any: a second read costs as much again.
        formulas = (
            openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            if _has_formulas(data)
            else None
        )
    except Exception as exc:  # openpyxl raises many types on damaged parts
        raise FormatError(f"damaged XLSX file: {exc}") from None
    try:
        for number, sheet in enumerate(workbook.worksheets):
            written = formulas.worksheets[number].iter_rows(values_only=True) if formulas else None
            yield from _sheet_rows(sheet.iter_rows(values_only=True), written)
    except FormatError:
        raise
    except Exception as exc:
        raise FormatError(f"damaged XLSX file: {exc}") from None
    finally:
        workbook.close()
        if formulas is not None:
            formulas.close()


def _sheet_rows(
    rows: Iterator[tuple[Any, ...]], written: Iterator[tuple[Any, ...]] | None
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    header: list[str] | None = None
    for values in rows:
        as_written = next(written, ()) if written is not None else ()
        cells = list(values[:MAX_COLUMNS])
        if header is None:
            if any(v not in (None, "") for v in cells):
                header = [str(v).strip() if v is not None else "" for v in cells]
            continue
        uncomputed = [
            name
            for name, value, formula in zip(header, cells, as_written, strict=False)
            if name and value is None and isinstance(formula, str) and formula.startswith("=")
        ]
        if all(v in (None, "") for v in cells) and not uncomputed:
            continue
        row = {name: _cell(value) for name, value in zip(header, cells, strict=False) if name}
        yield row, uncomputed


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as part:
                    while chunk := part.read(1 << 20):
                        if b"<f>" in chunk or b"<f " in chunk:
                            return True
    return False


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):  # dates and datetimes
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
