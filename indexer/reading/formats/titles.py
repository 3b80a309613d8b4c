"""Choosing a document's title when its metadata cannot be trusted.

Office suites fill the metadata title from a template's first line or a placeholder:
the HWP samples hold "1111", "2", "□ ", "본문내용본문내용" and titles of other documents
("붙임 2. 계약특수조건" in an RFP); Word-made PDFs say "Microsoft Word - x.docx".
A metadata title is used only when it looks like words and the text near the start
of the body contains it; otherwise the first line of the body that has words.
"""

from __future__ import annotations

import re

_LETTERS = re.compile(r"[A-Za-z\uac00-\ud7a3]")
_SPACES = re.compile(r"\s+")
_PLACEHOLDER = re.compile(
    r"^(untitled|제목\s*없음|문서\s*\d*|document\s*\d*|new document|slide \d+|본문|title)$", re.I
)
_GENERATED = re.compile(
    r"^(microsoft (word|powerpoint|excel) - |\S+\.(docx?|hwpx?|pptx?|xlsx?)$)", re.I
)
# Account names that office suites write as the author of every document on a machine.
_GENERIC_AUTHORS = frozenset(
    {
        "administrator",
        "admin",
        "owner",
        "user",
        "사용자",
        "windows 사용자",
        "hancom",
        "한글과컴퓨터",
        "microsoft office user",
    }
)
# Words that head a Korean public document but never title it (보도일시 2018. 9. 4. ...).
HEADER_WORDS = frozenset(
    (
        *("보도자료", "보도참고자료", "보도일시", "보도시점", "배포일시", "입법예고", "공고"),
        *("제안요청서", "목차", "붙임", "별첨", "수신", "제목"),
    )
)
MAX_TITLE_CHARS = 200
# How far into the body a trusted metadata title must appear.
TITLE_SEARCH_CHARS = 600


def collapse_spaces(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def despaced(text: str) -> str:
    """``text`` without any space: a letter-spaced heading (보 도 자 료) as its word."""
    return _SPACES.sub("", text)


def first_line_title(body: str) -> str:
    """The first line of the body with at least two letters, as a title."""
    for line in body.splitlines():
        line = collapse_spaces(line)
        if len(_LETTERS.findall(line)) >= 2 and despaced(line) not in HEADER_WORDS:
            return line[:MAX_TITLE_CHARS]
    return ""


def is_junk_title(title: str) -> bool:
    title = collapse_spaces(title)
    return (
        len(_LETTERS.findall(title)) < 2
        or despaced(title) in HEADER_WORDS
        or bool(_PLACEHOLDER.match(title))
        or bool(_GENERATED.match(title))
    )


def choose_title(metadata_title: str, body: str) -> str:
    """The metadata title when it is real and the body starts with it, else the first line."""
    title = collapse_spaces(metadata_title.split("\x00")[0])
    if title and not is_junk_title(title):
        start = collapse_spaces(body[: TITLE_SEARCH_CHARS * 2])[:TITLE_SEARCH_CHARS]
        if despaced(title) in despaced(start):
            return title[:MAX_TITLE_CHARS]
    return first_line_title(body)


def clean_author(author: str) -> str:
    """The author unless it is a machine's generic account name."""
    author = collapse_spaces(author.split("\x00")[0])
    return "" if author.lower() in _GENERIC_AUTHORS else author
