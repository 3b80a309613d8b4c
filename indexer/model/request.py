"""A search request: what it may hold, parsed and checked in one place.

``SearchRequest`` is frozen and hashable, so the result cache keys on the request
itself (a field added here is part of the key without anyone remembering it).
``whole_number`` and ``bounded`` are the one parser of numbers in requests; the web's
query-string parser (searchweb/params.py) and ``validate`` both use them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from indexer.config import Settings
from indexer.errors import QueryError
from indexer.fields import FILTER_FIELDS
from indexer.messages import Notice

SORTS = ("relevance", "newest", "oldest")
# Which words the glossary translates for the related results: English words into
# Korean (the default), both ways (Korean words into English too), or none.
TRANSLATIONS = ("en-ko", "both", "off")
DEFAULT_TRANSLATIONS = TRANSLATIONS[0]
TRANSLATION_ALIASES = {"ko-en": "both", "on": "both", "none": "off"}
# Earlier names still accepted: "date" was newest-first before oldest-first existed.
SORT_ALIASES = {"date": "newest"}
MAX_FACET_SIZE = 1000
MAX_SUGGEST_PREFIX_CHARS = 50  # of the last word typed, for completions
# A year, a month or a day; the day is not checked against its month (a bound of
# 2022-02-31 still means "up to the end of February").
DATE_PATTERN = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"
_DATE = re.compile(DATE_PATTERN)

Filters = tuple[tuple[str, tuple[str, ...]], ...]


def frozen_filters(filters: Mapping[str, Iterable[str]] | Filters) -> Filters:
    """Filters as sorted (name, values) pairs: empty values and names without values
    dropped, repeated values kept once."""
    pairs = filters.items() if isinstance(filters, Mapping) else filters
    merged: dict[str, list[str]] = {}
    for name, values in pairs:
        merged.setdefault(name, []).extend(v for v in values if v)
    return tuple(
        sorted((name, tuple(dict.fromkeys(values))) for name, values in merged.items() if values)
    )


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    # Filter name -> the values any of which a document must have; given as a mapping
    # or as pairs, kept as sorted pairs (hashable).
    filters: Filters | Mapping[str, Sequence[str]] = ()
    date_from: str = ""  # yyyy, yyyy-mm or yyyy-mm-dd, inclusive
    date_to: str = ""
    sort: str = "relevance"
    page: int = 1
    size: int | None = None
    raw: bool = False  # Whoosh query syntax instead of the safe default
    highlight: bool = True
    facets: bool = True
    facet_size: int | None = None  # values per facet; default: setting facet_size
    spell: bool = True  # correct typos and keyboard slips (setting spelling_corrections)
    translations: str = DEFAULT_TRANSLATIONS  # TRANSLATIONS
    semantic: bool = True  # similar meaning (setting semantic), search/semantic.py

    def __post_init__(self) -> None:
        object.__setattr__(self, "filters", frozen_filters(self.filters))

    def filter_values(self) -> dict[str, tuple[str, ...]]:
        return dict(self.filters)  # type: ignore[arg-type]  # pairs after __post_init__


@dataclass(frozen=True)
class CheckedRequest:
    """A request with its numbers in bounds, defaults filled and the text normalised."""

    text: str
    filters: dict[str, tuple[str, ...]]
    date_from: str
    date_to: str
    sort: str
    page: int
    size: int
    facet_size: int
    raw: bool
    highlight: bool
    facets: bool
    notices: tuple[Notice, ...] = field(default=())
    translations: str = DEFAULT_TRANSLATIONS
    semantic: bool = True

    @property
    def ranked(self) -> bool:
        return self.sort == "relevance"


def whole_number(name: str, value: object) -> int:
    """``value`` (an int, or text from a query string or a form) as an int."""
    if isinstance(value, bool):
        raise QueryError(code="not_whole_number", name=name, value=str(value))
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise QueryError(code="not_whole_number", name=name, value=str(value)) from None


def bounded(name: str, value: object, lowest: int, highest: int) -> int:
    number = whole_number(name, value)
    if number < lowest or number > highest:
        raise QueryError(
            code="out_of_range", name=name, lowest=lowest, highest=highest, value=number
        )
    return number


def check_date(name: str, value: str) -> str:
    if value and not (isinstance(value, str) and _DATE.fullmatch(value)):
        raise QueryError(code="bad_date", name=name, value=str(value))
    return value


def validate(request: SearchRequest, settings: Settings) -> CheckedRequest:
    """The request checked against the settings' bounds; QueryError says what is wrong."""
    size = bounded(
        "size",
        settings.page_size if request.size is None else request.size,
        1,
        settings.max_page_size,
    )
    page = bounded("page", request.page, 1, settings.max_page)
    facet_size = bounded(
        "facet_size",
        settings.facet_size if request.facet_size is None else request.facet_size,
        1,
        MAX_FACET_SIZE,
    )
    sort = SORT_ALIASES.get(request.sort, request.sort)
    if sort not in SORTS:
        raise QueryError(code="unknown_sort", value=str(request.sort), choices=", ".join(SORTS))
    translations = TRANSLATION_ALIASES.get(request.translations, request.translations)
    if translations not in TRANSLATIONS:
        raise QueryError(
            code="unknown_translations",
            value=str(request.translations),
            choices=", ".join(TRANSLATIONS),
        )
    filters = request.filter_values()
    unknown = sorted(set(filters) - set(FILTER_FIELDS))
    if unknown:
        raise QueryError(
            code="unknown_filter", names=", ".join(unknown), known=", ".join(FILTER_FIELDS)
        )
    notices: list[Notice] = []
    text = request.q or ""
    if len(text) > settings.max_query_chars:
        text = text[: settings.max_query_chars]
        notices.append(Notice("query_cut", {"max_chars": settings.max_query_chars}))
    return CheckedRequest(
        text=text.replace("\x00", " "),
        filters=filters,
        date_from=check_date("date_from", request.date_from),
        date_to=check_date("date_to", request.date_to),
        sort=sort,
        page=page,
        size=size,
        facet_size=facet_size,
        raw=request.raw,
        highlight=request.highlight,
        facets=request.facets,
        notices=tuple(notices),
        translations=translations,
        semantic=bool(request.semantic),
    )
