"""Query-string <-> SearchRequest, and the URLs that toggle filters or change pages.

Numbers are parsed by the core's one parser (indexer/request.py); filters are the
field registry's filterable fields."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote_plus, urlencode

from werkzeug.datastructures import MultiDict

from indexer import QueryError, SearchRequest
from indexer.fields import FILTER_FIELDS
from indexer.model.request import DEFAULT_TRANSLATIONS, whole_number

FILTER_PARAMS = FILTER_FIELDS
# A request field -> the query-string parameter that sets it, where they differ: an error
# about a field names the parameter the user typed.
FIELD_PARAMS = {"date_from": "from", "date_to": "to"}
KEPT_PARAMS = (
    "q",
    "from",
    "to",
    "sort",
    "size",
    "hl",
    "spell",
    "translations",
    "semantic",
) + FILTER_PARAMS
RAW_TRUE = ("1", "true")
RAW_FLAGS = ("", "0", "false", *RAW_TRUE)


def _int(args: MultiDict, name: str, default: int | None, strict: bool) -> int | None:
    raw = args.get(name)
    if raw is None or (raw == "" and not strict):  # an empty form field means "not given"
        return default
    return whole_number(name, raw)


def _date(args: MultiDict, name: str, strict: bool) -> str:
    value = args.get(name, "")
    if strict and name in args and not value:
        raise QueryError(code="bad_date", name=name, value="")
    return value


def _filters(args: MultiDict, strict: bool) -> dict[str, list[str]]:
    """Filter values by name; the API refuses an empty one (pages drop it)."""
    filters = {name: args.getlist(name) for name in FILTER_PARAMS}
    for name, values in filters.items():
        if strict and any(value == "" for value in values):
            raise QueryError(code="empty_filter", name=name)
    return filters


def _translations(args: MultiDict, strict: bool) -> str:
    """The API refuses an empty value (the core's unknown_translations); a page's empty
    field means the default."""
    value = args.get("translations")
    if value is None or (value == "" and not strict):
        return DEFAULT_TRANSLATIONS
    return str(value)


def search_request(args: MultiDict, allow_raw: bool, strict: bool = False) -> SearchRequest:
    """The request the query string describes. ``strict`` (the API): an empty value is
    invalid, as the OpenAPI description says; pages treat empty form fields as absent."""
    raw = args.get("raw", "")
    if raw not in RAW_FLAGS or (strict and "raw" in args and not raw):
        raise QueryError(code="bad_raw_flag", value=raw)
    if raw in RAW_TRUE and not allow_raw:
        raise QueryError(code="raw_off")
    spell = args.get("spell", "")
    if spell not in RAW_FLAGS or (strict and "spell" in args and not spell):
        raise QueryError(code="bad_flag", name="spell", value=spell)
    semantic = args.get("semantic", "")
    if semantic not in RAW_FLAGS or (strict and "semantic" in args and not semantic):
        raise QueryError(code="bad_flag", name="semantic", value=semantic)
    sort = args.get("sort", "")
    page = _int(args, "page", 1, strict)
    return SearchRequest(
        q=args.get("q", ""),
        filters=_filters(args, strict),
        date_from=_date(args, FIELD_PARAMS["date_from"], strict),
        date_to=_date(args, FIELD_PARAMS["date_to"], strict),
        sort=sort if sort or strict and "sort" in args else "relevance",
        page=1 if page is None else page,
        size=_int(args, "size", None, strict),
        raw=raw in RAW_TRUE,
        facet_size=_int(args, "facet_size", None, strict),
        spell=spell not in ("0", "false"),
        translations=_translations(args, strict),
        semantic=semantic not in ("0", "false"),
    )


def kept_params(args: MultiDict) -> list[tuple[str, str]]:
    """The search's own parameters (query, filters, dates, sort, size, language), in
    KEPT_PARAMS order, empty values left out."""
    return [(k, v) for k in KEPT_PARAMS for v in args.getlist(k) if v != ""]


def search_context(args: MultiDict) -> list[tuple[str, str]]:
    """What a document page keeps of the search it was opened from: the kept parameters
    and the page, so "back to the results" returns to the same place."""
    page = args.get("page", "")
    return kept_params(args) + ([("page", page)] if page not in ("", "1") else [])


def url_with(path: str, args: MultiDict, **changes: str | None) -> str:
    """``path`` with the current search args, some replaced (None removes), page reset
    unless given."""
    pairs = [(k, v) for k, v in kept_params(args) if k not in changes]
    pairs += [(k, v) for k, v in changes.items() if v is not None and v != ""]
    return address(path, pairs)


def address(path: str, pairs: list[tuple[str, str]]) -> str:
    """``path`` with ``pairs`` as its query string (none: the path alone)."""
    return f"{path}?{urlencode(pairs)}" if pairs else path


class FilterToggles:
    """The URLs that add a filter value, or remove it when selected, for one request's
    args: the kept parameters are encoded once (a results page has dozens of facet
    values, and encoding every URL whole was ~8% of an API request)."""

    def __init__(self, path: str, args: MultiDict) -> None:
        self.path = path
        self.pairs = kept_params(args)
        self.encoded = [_encoded(name, value) for name, value in self.pairs]

    def url(self, name: str, value: str) -> str:
        if (name, value) in self.pairs:
            at = self.pairs.index((name, value))
            parts = self.encoded[:at] + self.encoded[at + 1 :]
        else:
            parts = [*self.encoded, _encoded(name, value)]
        return f"{self.path}?{'&'.join(parts)}" if parts else self.path


def toggle_url(path: str, args: MultiDict, name: str, value: str) -> str:
    """The URL that adds ``value`` to filter ``name``, or removes it when already selected."""
    return FilterToggles(path, args).url(name, value)


def _encoded(name: str, value: str) -> str:
    return f"{quote_plus(name)}={quote_plus(value)}"  # as urlencode writes a pair


def without_filters(path: str, args: MultiDict) -> str:
    """The search again with no filter and no date range."""
    cleared: dict[str, str | None] = {name: None for name in (*FILTER_PARAMS, "from", "to")}
    return url_with(path, args, **cleared)


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
