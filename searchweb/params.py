"""Query-string <-> SearchRequest, and the URLs that toggle filters or change pages."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from indexer import QueryError, SearchRequest
from indexer.schema import FACET_FIELDS

FILTER_PARAMS = tuple(FACET_FIELDS)  # category, department, year, lang
KEPT_PARAMS = ("q", "from", "to", "sort", "size", "hl") + FILTER_PARAMS


def _int(args: MultiDict, name: str, default: int | None) -> int | None:
    raw = args.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, got {raw!r}.") from None


def search_request(args: MultiDict) -> SearchRequest:
    filters = {name: [v for v in args.getlist(name) if v] for name in FILTER_PARAMS}
    return SearchRequest(
        q=args.get("q", ""),
        filters={name: values for name, values in filters.items() if values},
        date_from=args.get("from", ""),
        date_to=args.get("to", ""),
        sort=args.get("sort", "relevance") or "relevance",
        page=_int(args, "page", 1),
        size=_int(args, "size", None),
        raw=args.get("raw", "") in ("1", "true"),
        facet_size=_int(args, "facet_size", None),
    )


def _kept(args: MultiDict) -> list[tuple[str, str]]:
    return [(k, v) for k in KEPT_PARAMS for v in args.getlist(k) if v != ""]


def url_with(path: str, args: MultiDict, **changes: str | None) -> str:
    """``path`` with the current search args, some replaced (None removes), page reset unless given."""
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
    chips = [Chip(name, value, toggle_url(path, args, name, value))
             for name in FILTER_PARAMS for value in args.getlist(name) if value]
    for name in ("from", "to"):
        if args.get(name):
            chips.append(Chip(name, args[name], url_with(path, args, **{name: None})))
    return chips
