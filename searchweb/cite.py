"""A citation line for a document, in the style of each interface language: what an
analyst pastes into a report's footnote."""

from __future__ import annotations

from datetime import date

from indexer.model.results import StoredDocument

STYLES = {
    # 국회도서관 style for official documents: 기관, 「제목」, 날짜, 주소 (검색일).
    "ko": "{who}「{title}」, {when}. {url} (검색일: {today})",
    "en": '{who}"{title}." {when}. {url} (accessed {today}).',
}
WHO = {"ko": "{department}, ", "en": "{department}. "}
UNDATED = {"ko": "날짜 없음", "en": "n.d"}  # the style adds the full stop


def source_url(document: StoredDocument, page_url: str) -> str:
    """The document's own web address when it has one, else its page on this server."""
    url = str(document.fields.get("url") or "")
    return url if url.startswith(("http://", "https://")) else page_url


def citation(document: StoredDocument, language: str, page_url: str, today: date) -> str:
    department = document.fields.get("department") or ""
    when = document.fields.get("date") or document.fields.get("year") or UNDATED[language]
    return STYLES[language].format(
        who=WHO[language].format(department=department) if department else "",
        title=document.title,
        when=when,
        url=source_url(document, page_url),
        today=today.isoformat(),
    )
