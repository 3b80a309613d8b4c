"""PDF (pypdf) -> text of every page."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from indexer.reading.formats import ExtractedText, FormatError
from indexer.reading.formats.titles import first_line_title, is_junk_title


def read_pdf(data: bytes) -> ExtractedText:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise FormatError("password-protected PDF: save it without a password to index it")
        pages = [page.extract_text() or "" for page in reader.pages]
        info: Mapping[str, Any] = reader.metadata or {}
    except FormatError:
        raise
    except Exception as exc:  # pypdf raises many types on broken files
        raise FormatError(f"unreadable PDF: {exc}") from None
    body = "\n".join(pages).strip()
    if not body and pages:
        raise FormatError(
            f"no text layer (scanned?): {len(pages)} page(s) of images only; run OCR on it first"
        )
    title = str(info.get("/Title") or "").strip()
    if is_junk_title(title):
        title = first_line_title(body)
    return ExtractedText(body=body, title=title, author=str(info.get("/Author") or "").strip())
