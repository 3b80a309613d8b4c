"""Readers of one document file format each: bytes in, ExtractedText out.

Each reader raises FormatError with a reason a user can act on ("password-protected
HWP", "no text layer (scanned?)") instead of returning junk; readers.py turns that
into a Rejection of the file and everything else into a Document.
"""

from __future__ import annotations

from dataclasses import dataclass


class FormatError(ValueError):
    """The file cannot be read as its format; the message is the rejection reason."""


@dataclass(frozen=True)
class ExtractedText:
    """What a document file holds: body text in reading order plus its metadata."""

    body: str
    title: str = ""
    author: str = ""
    date: str = ""
