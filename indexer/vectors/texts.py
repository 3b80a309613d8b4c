"""What a document's vector holds: its title and the start of its body (the lead).

Measured (bench/relevance.py, see the README): titles alone help short queries, typos and
English queries but lose on questions whose answer is in the body; the title with the
body's first few hundred characters helps both, at the cost of embedding longer text."""

from __future__ import annotations

import re

from indexer.reading.documents import Document

_SPACES = re.compile(r"\s+")


def vector_text(document: Document, lead_chars: int) -> str:
    """The text embedded for ``document``: its title, then its body's first
    ``lead_chars`` characters (spaces collapsed)."""
    title = _SPACES.sub(" ", document.title).strip()
    if lead_chars <= 0:
        return title
    lead = _SPACES.sub(" ", document.body[: lead_chars * 2]).strip()[:lead_chars]
    return f"{title}\n{lead}" if title else lead
