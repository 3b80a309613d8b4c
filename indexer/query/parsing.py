"""User query text -> clauses: words, "quoted phrases", ``-exclusion`` and
``field:value`` for known fields. Anything else is plain text, so no input raises."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from indexer.fields import QUERY_FILTER_FIELDS, TEXT_FIELDS
from indexer.messages import Notice

_TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<field>[A-Za-z_]+):)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))'
)


@dataclass(frozen=True)
class Clause:
    text: str
    phrase: bool = False
    negated: bool = False
    field: str = ""  # "" = all text fields
    # Where it stands in the text parsed ((start, end); None when made, not typed). Not
    # part of what the clause means: a word typed twice is one clause.
    span: tuple[int, int] | None = dataclasses.field(default=None, compare=False)


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def parse_user_query(text: str, max_words: int = 32) -> ParsedQuery:
    """Splits user text into clauses; unknown fields and stray quotes become plain text.

    Repeated clauses count once; clauses past ``max_words`` are dropped with a notice
    (each word widens the query, and scoring cost grows with it).
    """
    parsed = ParsedQuery()
    if text.count('"') % 2:
        # An unbalanced quote: drop the last one rather than swallow the rest.
        cut = text.rfind('"')
        text = text[:cut] + " " + text[cut + 1 :]
    known = set(TEXT_FIELDS) | set(QUERY_FILTER_FIELDS)
    for match in _TOKEN.finditer(text):
        value = match.group("phrase") if match.group("phrase") is not None else match.group("word")
        field_name = (match.group("field") or "").lower()
        negated = bool(match.group("neg"))
        if field_name and field_name not in known:
            parsed.notices.append(Notice("unknown_field", {"field": field_name}))
            value = f"{match.group('field')}:{value}"
            field_name = ""
        if value is None or not value.strip():
            continue
        clause = Clause(
            value.strip(),
            phrase=match.group("phrase") is not None,
            negated=negated,
            field=field_name,
            span=match.span(),
        )
        if clause in parsed.clauses:  # a repeated word adds no meaning, only work
            continue
        if len(parsed.clauses) == max_words:
            parsed.notices.append(Notice("words_cut", {"max_words": max_words}))
            break
        parsed.clauses.append(clause)
    return parsed


def expandable(clause: Clause) -> bool:
    """Words (not phrases, exclusions or field:value) may bring their synonyms."""
    return not clause.phrase and not clause.negated and clause.field in ("", *TEXT_FIELDS)


def expandable_text(clause: Clause) -> bool:
    """A word of the text (excluded or not): tagged with the other words."""
    return not clause.phrase and clause.field in ("", *TEXT_FIELDS)


def is_filter(clause: Clause) -> bool:
    return clause.field in QUERY_FILTER_FIELDS
