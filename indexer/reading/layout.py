"""What a Korean public document's own layout says about it: title, date, department,
contact and kind, read from the text of an HWP, HWPX, DOCX or PDF file.

Their metadata is rarely to be trusted (a template's first line, "2", an author of another
body), and their first line is often a header word: a press release starts with
보도일시 or 보도자료, a legislative notice with 입 법 예 고, an official letter with a
greeting, an RFP with 제 안 요 청 서. Each kind has a recognisable layout:

- 보도자료: header fields (보도일시/보도시점, 배포, 담당부서, 담당자), then the headline;
- 입법예고 and 공고: 「…」 공고 제N호, the notice's sentence, the date and the issuer
  (…구청장, …원장), and a heading line that names the notice;
- 제안요청서: the project (사업명) or the lines above 제안요청서, then the date;
- 공문: 수신, 제 목 (the title), and 시행 <부서-번호> (<date>) at the end.

Every rule here was written by reading the 20 samples of ../shared/data/hwp-samples
(tests/test_document_layout.py holds what a reader writes down for each)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from indexer.reading.formats import ExtractedText
from indexer.reading.formats.titles import HEADER_WORDS, despaced

_HEAD_LINES = 40  # a document's header fields and headline are in its first lines
_DATE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*[.\-/년]\s*(?P<month>\d{1,2})(?!\d)\s*(?:[.\-/월]\s*"
    r"(?:(?P<day>\d{1,2})(?!\d)\s*[.일]?)?)?"
)
_PHONE_OR_MAIL = re.compile(r"\d{2,4}-\d{3,4}-\d{4}|\(\d{2,4}-\d{3,4}-\d{4}\)|@\w|☎")
# Header labels whose value is on the same line or the next one (despaced).
_DATE_LABELS = ("보도일시", "보도시점", "시행일자", "공고일", "작성일", "배포일시", "배포")
_DEPARTMENT_LABELS = ("담당부서", "부서명", "담당기관", "주관부서")
_CONTACT_LABELS = ("담당자",)
_PROJECT_LABELS = ("사업명",)
_SUBJECT_LABELS = ("제목",)
_LABELS = frozenset(
    (
        *_DATE_LABELS,
        *_DEPARTMENT_LABELS,
        *_CONTACT_LABELS,
        *_PROJECT_LABELS,
        *_SUBJECT_LABELS,
        *("담당과장", "책임자", "수신", "(경유)", "수요기관", "사업책임자", "사업실무자"),
    )
)
_ISSUER = re.compile(
    r"^(?P<body>.{2,30}?)\s*(?P<title>구청장|청장|시장|군수|장관|원장|대표이사|이사장|총장|위원장)$"
)
_NOTICE_NUMBER = re.compile(r"공고\s*제\s*\d{4}\s*-\s*\d+\s*호")
_SENTENCE_END = re.compile(r"(다|니다|요)\.?\s*$")


@dataclass(frozen=True)
class DocumentLayout:
    """What the layout says; empty strings where it says nothing."""

    kind: str = ""  # 보도자료, 입법예고, 공고, 제안요청서, 공문
    title: str = ""
    date: str = ""  # yyyy-mm-dd, or yyyy-mm when the document gives only a month
    date_source: str = ""  # where the date was read: 보도일시, 시행, 문서 첫머리 ...
    department: str = ""
    contact: str = ""


def read_layout(body: str) -> DocumentLayout:
    """The layout of ``body`` (the document's text in reading order)."""
    lines = _lines(body)
    head = lines[:_HEAD_LINES]
    kind = _kind(head)
    # An official letter ends with 시행 <부서-번호> (<date>): its date and department.
    sent = list(_labelled(lines[-60:], ("시행",), span=4)) if kind == "공문" else []
    date, date_source = _date(head, sent)
    return DocumentLayout(
        kind=kind,
        title=_title(kind, head),
        date=date,
        date_source=date_source,
        department=_department(lines, head, sent),
        contact=_contact(lines),
    )


def file_record(extracted: ExtractedText) -> dict[str, str]:
    """A document file as a record: what its layout says (reading/layout.py) before its
    metadata, which office suites fill from templates. A date given only to the month
    keeps its year, and its source says so."""
    layout = read_layout(extracted.body)
    date, date_source = layout.date, layout.date_source
    if len(date) == len("2025-08"):
        date_source = f"{date_source} ({date[:4]}년 {int(date[5:])}월)"
    elif not date:
        date, date_source = extracted.date, ("문서 정보" if extracted.date else "")
    return {
        "title": layout.title or extracted.title,
        "body": extracted.body,
        "author": layout.contact or extracted.author,
        "date": date if len(date) > len("2025-08") else "",
        "year": date[:4],
        "date_source": date_source,
        "department": layout.department,
        "kind": layout.kind,
    }


def _lines(body: str) -> list[str]:
    return [" ".join(line.split()) for line in body.splitlines() if line.strip()]


def _joined_letters(line: str) -> str:
    """A letter-spaced heading (통 합 재 정 통 계, 강 북 구 청) as one word."""
    parts = line.split()
    if len(parts) >= 3 and all(len(part) == 1 for part in parts):
        return "".join(parts)
    return line


def _kind(head: list[str]) -> str:
    plain = [despaced(line) for line in head[:15]]
    if any(line in ("보도자료", "보도참고자료", "보도일시", "보도시점") for line in plain):
        return "보도자료"
    if any(line.endswith("입법예고") for line in plain):
        return "입법예고"
    if any("제안요청서" in line and len(line) <= 40 for line in plain[:6]):
        return "제안요청서"
    if any(line.startswith("수신") for line in plain) and any(
        line.startswith("제목") for line in plain
    ):
        return "공문"
    if any(_NOTICE_NUMBER.search(line) or line.endswith("공고") for line in plain[:6]):
        return "공고"
    return ""


def _labelled(lines: list[str], labels: tuple[str, ...], span: int = 1) -> Iterator[str]:
    """Values of ``labels``: what follows a label on its line (after ':' or a space), or
    the next ``span`` lines when the label stands alone."""
    for number, line in enumerate(lines):
        plain = despaced(line).lstrip("[(<「")
        for label in labels:
            if not _starts_with_label(line, plain, label):
                continue
            rest = line.split(":", 1)[1] if ":" in line else _after_label(line, label)
            if rest.strip(" ])>」"):
                yield rest.strip(" ])>」")
            elif plain == label:
                following = lines[number + 1 : number + 1 + span]
                values = []
                for value in following:
                    if despaced(value) in _LABELS:
                        break
                    values.append(value)
                if values:
                    yield " ".join(values)


def _starts_with_label(line: str, plain: str, label: str) -> bool:
    """Whether ``line`` is the label, or starts with it and then ':' or a space
    (담당기관(부서) is not 담당기관; 담 당 자 용찬재 is 담당자)."""
    if not plain.startswith(label):
        return False
    after = _after_label(line.lstrip("[(<「"), label)
    return plain == label or after[:1].isspace() or after[:1] in (":", "：")


def _after_label(line: str, label: str) -> str:
    """The text after a label that may be letter-spaced (담 당 자 용찬재)."""
    seen = 0
    for position, char in enumerate(line):
        if not char.isspace():
            seen += 1
        if seen == len(label):
            return line[position + 1 :]
    return ""


def _date(head: list[str], sent: list[str]) -> tuple[str, str]:
    for label in _DATE_LABELS:
        for value in _labelled(head, (label,)):
            found = _parsed_date(value)
            if found:
                return found, label
    for value in sent:
        found = _parsed_date(value)
        if found:
            return found, "시행"
    for line in head[:15]:  # a dated heading: 2023. 7. 5. / 2021년 2월 5일 / (2011.10월 ...)
        match = _DATE.search(line)
        if match and len(line) - len(match.group(0)) <= 24 and _date_text(match):
            return _date_text(match), "문서 첫머리"
    return "", ""


def _parsed_date(text: str) -> str:
    match = _DATE.search(text)
    return _date_text(match) if match else ""


def _date_text(match: re.Match[str]) -> str:
    year, month, day = match.group("year"), int(match.group("month")), match.group("day")
    if not 1 <= month <= 12:
        return ""
    if day and 1 <= int(day) <= 31:
        return f"{year}-{month:02d}-{int(day):02d}"
    return f"{year}-{month:02d}"


def _is_headline(line: str) -> bool:
    plain = despaced(line)
    return (
        len(plain) >= 10
        and plain not in _LABELS
        and plain not in HEADER_WORDS
        and not _PHONE_OR_MAIL.search(line)
        and not (_DATE.match(line) and len(plain) <= 24)
        and not line.startswith(("□", "○", "ㅇ", "-", "※", "*"))
    )


def _title(kind: str, head: list[str]) -> str:
    if kind == "보도자료":
        return _press_title(head)
    if kind == "공문":
        return next(_labelled(head, _SUBJECT_LABELS), "")
    if kind == "제안요청서":
        return _rfp_title(head)
    if kind in ("입법예고", "공고"):
        return _notice_title(kind, head)
    return _heading_title(head)


def _press_title(head: list[str]) -> str:
    """The headline after the header fields; a line ending in a comma goes on."""
    skip_next = False
    for number, line in enumerate(head):
        plain = despaced(line)
        if plain in _LABELS:
            skip_next = True  # the label's value is the next line
            continue
        if skip_next or not _is_headline(line):
            skip_next = False
            continue
        following = head[number + 1] if number + 1 < len(head) else ""
        if line.endswith(",") and following:
            return f"{line} {following}"
        return line
    return ""


def _rfp_title(head: list[str]) -> str:
    project = next(_labelled(head[:20], _PROJECT_LABELS), "").strip("[] ")
    if project:
        return f"{project} 제안요청서"
    lines = []
    for line in head[:6]:
        if line.startswith("-") and line.endswith("-"):  # a decorated subtitle
            continue
        lines.append(line)
        if "제안요청서" in despaced(line):
            return " ".join(lines)
    return ""


def _notice_title(kind: str, head: list[str]) -> str:
    for line in head[:20]:
        plain = despaced(line)
        if plain.endswith(kind) and plain != kind and not _SENTENCE_END.search(line):
            return line
    after_number = False
    for line in head[:20]:
        if _NOTICE_NUMBER.search(line):
            after_number = True
            continue
        if after_number and _is_headline(line) and not _SENTENCE_END.search(line):
            return line
    return ""


def _heading_title(head: list[str]) -> str:
    """A letter-spaced heading joined, with the qualifier in parentheses after it."""
    for number, line in enumerate(head[:5]):
        joined = _joined_letters(line)
        if joined != line:
            following = head[number + 1] if number + 1 < len(head) else ""
            qualifier = f" {following}" if following.startswith("(") else ""
            return joined + qualifier
    return ""


def _department(lines: list[str], head: list[str], sent: list[str]) -> str:
    organisation = _organisation(head)
    # A press release's 담당부서 may be at its end.
    department = next(
        (v for v in _labelled(lines[:400], _DEPARTMENT_LABELS) if not _PHONE_OR_MAIL.search(v)),
        "",
    )
    if not department and sent:  # 시행 문화기획팀-2181: who sent an official letter
        department = re.sub(r"-\s*\d+.*$", "", sent[0]).strip()
    if not department:
        department = next(_labelled(head[:30], ("사업책임자",)), "").split(" ")[0]
    if organisation and department and organisation not in department:
        return f"{organisation} {department}"
    return department or organisation or _asked_of(lines[:1000])


_INQUIRY = re.compile(r"문\s*의(?:\s*처)?\s*[:：]\s*(?P<who>[^☎(\d]+)")


def _asked_of(lines: list[str]) -> str:
    """Whom an RFP says to ask (※ 제안관련 문의 : K-water 디지털전환추진단 (☎ ...)), when
    nothing else names a department."""
    for line in lines:
        found = _INQUIRY.search(line)
        if found and len(found.group("who").strip()) >= 4:
            return found.group("who").strip()
    return ""


def _organisation(head: list[str]) -> str:
    """The body a document is from: its issuer line (서울특별시 강남구청장 ->
    서울특별시 강남구청), a 수요기관, a letter-spaced office with its division in
    parentheses (강 북 구 청 / (문화관광체육과)), or the ministry above 보도자료."""
    for number, line in enumerate(head[:30]):
        issuer = _ISSUER.match(line)
        if issuer and not _SENTENCE_END.search(line):
            suffix = {"구청장": "구청", "청장": "청", "시장": "시", "군수": "군"}.get(
                issuer.group("title"), ""
            )
            return issuer.group("body").strip() + suffix
        joined = _joined_letters(line)
        following = head[number + 1] if number + 1 < len(head) else ""
        if joined != line and joined.endswith(("청", "처", "부")) and following.startswith("("):
            return f"{joined} {following.strip('()')}"
    for value in _labelled(head[:20], ("수요기관",)):
        return value
    for number, line in enumerate(head[:3]):
        following = despaced(head[number + 1]) if number + 1 < len(head) else ""
        if following in ("보도자료", "보도참고자료") and len(despaced(line)) <= 12:
            return line
    return ""


def _contact(lines: list[str]) -> str:
    """The person to ask: after 담당자, up to the line with a phone number or address."""
    for number, line in enumerate(lines[:400]):
        plain = despaced(line)
        if not plain.startswith("담당자"):
            continue
        rest = _after_label(line, "담당자").strip()
        if rest and _PHONE_OR_MAIL.search(rest):
            return rest
        parts = [rest] if rest else []
        for value in lines[number + 1 : number + 4]:
            if despaced(value) in _LABELS:
                break
            parts.append(value)
            if _PHONE_OR_MAIL.search(value):
                return " ".join(parts)
    return ""
