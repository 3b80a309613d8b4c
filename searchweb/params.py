"""Query-string <-> SearchRequest, and the URLs that toggle filters or change pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from indexer import QueryError, SearchRequest
from indexer.fields import FACET_FIELDS

FILTER_PARAMS = tuple(FACET_FIELDS)  # category, department, year, lang
KEPT_PARAMS = ("q", "from", "to", "sort", "size", "hl") + FILTER_PARAMS
RAW_TRUE = ("1", "true")
RAW_FLAGS = ("", "0", "false", *RAW_TRUE)


def _int(args: MultiDict, name: str, default: int | None, strict: bool) -> int | None:
    raw = args.get(name)
    if raw is None or (raw == "" and not strict):  # an empty form field means "not given"
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, got {raw!r}.") from None


def _date(args: MultiDict, name: str, strict: bool) -> str:
    value = args.get(name, "")
    if strict and name in args and not value:
        raise QueryError(f"{name} must look like 2022, 2022-11 or 2022-11-17, got ''.")
    return value


def search_request(args: MultiDict, allow_raw: bool, strict: bool = False) -> SearchRequest:
    """The request the query string describes. ``strict`` (the API): an empty value is
    invalid, as the OpenAPI description says; pages treat empty form fields as absent."""
    raw = args.get("raw", "")
    if raw not in RAW_FLAGS or (strict and "raw" in args and not raw):
        raise QueryError(f"raw must be 1 or 0, got {raw!r}.")
    if raw in RAW_TRUE and not allow_raw:
        raise QueryError(
            "Query syntax (raw=1) is off on this server. Search with words, "
            '"phrases", -exclusions and field:value, or ask its operator to '
            "turn on the setting allow_raw_queries."
        )
    sort = args.get("sort", "")
    page = _int(args, "page", 1, strict)
    filters = {name: [v for v in args.getlist(name) if v] for name in FILTER_PARAMS}
    return SearchRequest(
        q=args.get("q", ""),
        filters={name: values for name, values in filters.items() if values},
        date_from=_date(args, "from", strict),
        date_to=_date(args, "to", strict),
        sort=sort if sort or strict and "sort" in args else "relevance",
        page=1 if page is None else page,
        size=_int(args, "size", None, strict),
        raw=raw in RAW_TRUE,
        facet_size=_int(args, "facet_size", None, strict),
    )


def _kept(args: MultiDict) -> list[tuple[str, str]]:
    return [(k, v) for k in KEPT_PARAMS for v in args.getlist(k) if v != ""]


def url_with(path: str, args: MultiDict, **changes: str | None) -> str:
    """``path`` with the current search args, some replaced (None removes), page reset
    unless given."""
    pairs = [(k, v) for k, v in _kept(args) if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v is not None and v != ""]
    return f"{path}?{urlencode(pairs)}" if pairs else path


def toggle_url(path: str, args: MultiDict, name: str, value: str) -> str:
    """The URL that adds ``value`` to filter ``name``, or removes it when already selected."""
    pairs = _kept(args)
    if (name, value) in pairs:
        pairs.remove((name, value))
    else:
        pairs.append((name, value))
    return f"{path}?{urlencode(pairs)}" if pairs else path


@dataclass
class Chip:
    name: str
    value: str
    remove_url: str


def selected_chips(path: str, args: MultiDict) -> list[Chip]:
    chips = [
        Chip(name, value, toggle_url(path, args, name, value))
        for name in FILTER_PARAMS
        for value in args.getlist(name)
        if value
    ]
    for name in ("from", "to"):
        if args.get(name):
            chips.append(Chip(name, args[name], url_with(path, args, **{name: None})))
    return chips
