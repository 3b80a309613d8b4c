"""`policysearch search`, `stats` and `analytics`."""

from __future__ import annotations

import json
from contextlib import closing
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import click

from indexer import analytics
from indexer.backends import backend_of, open_index
from indexer.cli import (
    _common_options,
    _fail_cleanly,
    _settings,
    main,
    print_json,
)
from indexer.cli.progress import counted
from indexer.config import Settings
from indexer.fields import FILTER_FIELDS, field_named
from indexer.model import export
from indexer.model.request import (
    DEFAULT_TRANSLATIONS,
    SORT_ALIASES,
    SORTS,
    TRANSLATIONS,
    SearchRequest,
)
from indexer.model.results import SearchResult
from indexer.model.snippets import Snippet


def _terminal(snippet: Snippet) -> str:
    """The snippet with its matches in bold yellow (plain when not a terminal)."""
    return "".join(
        click.style(part, bold=True, fg="yellow") if marked else part
        for part, marked in snippet.parts()
    )


def _filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One repeatable --name option per filterable field of the registry."""
    for name in reversed(FILTER_FIELDS):
        label = field_named(name).label("en").lower()
        command = click.option(
            f"--{name}",
            "filter_" + name,
            multiple=True,
            help=f"Filter on {label}; repeat for any of several values.",
        )(command)
    return command


@main.command("search")
@click.argument("query", required=False, default="")
@_filter_options
@click.option(
    "--from", "date_from", default="", help="Dated on or after (2022, 2022-11, 2022-11-17)."
)
@click.option("--to", "date_to", default="", help="Dated on or before.")
@click.option(
    "--sort",
    type=click.Choice([*SORTS, *SORT_ALIASES]),
    default="relevance",
    show_default=True,
    help="By date, equal dates by relevance (date = newest).",
)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--limit", "size", type=int, default=None, help="Results per page (default 10).")
@click.option("--raw", is_flag=True, help="Use Whoosh's query syntax (AND, OR, NOT, wildcards).")
@click.option(
    "--no-spell", "no_spell", is_flag=True, help="Search the words as typed, never corrected."
)
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(export.FORMATS),
    default=None,
    help="Print every match (up to setting export_max_rows, best first) as CSV for "
    "Excel or as JSON Lines, instead of one page.",
)
@click.option(
    "--tier",
    type=click.Choice(export.EXPORTED_TIERS),
    default="matches",
    show_default=True,
    help="What --format writes: the matches, or the related results after them too.",
)
@click.option(
    "--translations",
    type=click.Choice(TRANSLATIONS),
    default=DEFAULT_TRANSLATIONS,
    show_default=True,
    help="Which words the glossary translates for related results: English words into "
    "Korean, both ways, or none.",
)
@click.option(
    "--no-semantic",
    is_flag=True,
    help="Keywords only: no documents of similar meaning (setting semantic).",
)
@_common_options
@_fail_cleanly
def search_command(
    query: str,
    date_from: str,
    date_to: str,
    sort: str,
    page: int,
    size: int | None,
    raw: bool,
    no_spell: bool,
    as_json: bool,
    export_format: str | None,
    tier: str,
    translations: str,
    no_semantic: bool,
    index_dir: str | None,
    config_file: str | None,
    **filter_options: tuple[str, ...],
) -> None:
    """Search the index: words, "quoted phrases", -exclusions, title:word, category:value."""
    settings = _settings(config_file, index_dir=index_dir)
    filters = {name.removeprefix("filter_"): values for name, values in filter_options.items()}
    request = SearchRequest(
        q=query,
        filters=filters,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        size=size,
        raw=raw,
        spell=not no_spell,
        translations=translations,
        semantic=not no_semantic,
    )
    if export_format:
        _export(request, export_format, tier, settings)
        return
    with closing(open_index(settings)) as index:
        result = index.search(request)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    for notice in result.notices:
        click.echo(notice.text(), err=True)
    _print_result(result, query)


def _print_result(result: SearchResult, query: str) -> None:
    """The page as text: the matches, then the related results under their heading,
    each hit with why it was found."""
    if not result.total and not result.related_total:
        click.echo(f"No documents match {query!r}. Try fewer words or drop a filter.")
        return
    first = (result.page - 1) * result.size + 1
    noun = "document matches" if result.total == 1 else "documents match"
    counts = f"{result.total:,} {noun}" if result.total else f"No document matches {query!r}"
    if result.related_total:
        counts += f", {result.related_total:,} related"
    shown = (
        f"showing {first}-{first + len(result.hits) - 1}" if result.hits else "none on this page"
    )
    click.echo(f"{counts}; {shown} ({result.took_ms:.0f} ms).\n")
    heading_shown = False
    for rank, hit in enumerate(result.hits, start=first):
        if hit.related and not heading_shown:
            click.echo(f"-- Related results ({result.related_total:,}) --\n")
            heading_shown = True
        date = hit.fields.get("date") or hit.fields.get("year") or ""
        score = f"{hit.score:.2f}" if hit.score is not None else date
        where = " / ".join(
            filter(None, [", ".join(hit.fields.get("category", [])), hit.fields.get("department")])
        )
        why = f" | {hit.reasons_text()}" if hit.reasons else ""
        click.echo(f"{rank:>3}. {_terminal(hit.marked_title)}  [{score}]")
        click.echo(f"     {hit.id} | {where}{' | ' + date if date else ''}{why}")
        click.echo(f"     {_terminal(hit.snippet)}\n")


def _export(request: SearchRequest, export_format: str, tier: str, settings: Settings) -> None:
    with closing(open_index(settings)) as index:
        result = index.export(request)
    for notice in result.notices:
        click.echo(notice.text(), err=True)
    for line in export.lines(export_format, export.rows(result.hits, tier)):
        click.echo(line, nl=False)
    if result.related_total and tier != "all":
        click.echo(
            f"Wrote the {result.total:,} matches; {result.related_total:,} related results "
            "were left out (--tier all writes them too).",
            err=True,
        )
    wanted = result.total + (result.related_total if tier == "all" else 0)
    written = len(export.exported(result.hits, tier))
    if wanted > written:
        click.echo(
            f"Exported the best {written:,} of {wanted:,} results "
            "(setting export_max_rows); narrow the search to export the rest.",
            err=True,
        )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@_common_options
@_fail_cleanly
def stats(as_json: bool, index_dir: str | None, config_file: str | None) -> None:
    """Documents, facet counts, size on disk, last build and the analyzer of the index."""
    settings = _settings(config_file, index_dir=index_dir)
    with closing(open_index(settings)) as index:
        info = index.stats()
    sources = backend_of(settings).recorded_sources(settings)
    if as_json:
        print_json({**info.to_dict(), "sources": [s.to_dict() for s in sources]})
        return
    click.echo(f"Index:      {info.index_dir} ({info.generation})")
    click.echo(f"Documents:  {info.documents:,}")
    if info.size_bytes is None:
        click.echo(f"Size:       on the {info.shards} shard nodes")
    else:
        click.echo(f"Size:       {info.size_bytes / 1_048_576:.1f} MiB")
    click.echo(f"Built:      {info.built_at or 'unknown'}   last updated: {info.updated_at or '-'}")
    for number, source in enumerate(sources or [None]):
        label = "Sources:" if number == 0 else ""
        shown = (
            f"{source.path} (mapping: {source.mapping or 'common field names'})"
            if source
            else info.corpus or "not recorded"
        )
        click.echo(f"{label:<11} {shown}")
    schema = f"; schema version {info.schema_version}" if info.schema_version else ""
    click.echo(f"Analyzer:   {info.analyzer or info.tagger}{schema}")
    for facet in info.facets:
        shown = ", ".join(f"{v.label} {v.count:,}" for v in facet.values[:8])
        more = " ..." if facet.truncated or len(facet.values) > 8 else ""
        click.echo(f"{facet.label + ':':<11} {shown}{more}")


def _period(value: str, now: datetime) -> datetime:
    try:
        return analytics.period_start(value, now)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: give an age such as 7d or 24h, or a day such as 2026-11-01."
        ) from None


@main.command("analytics")
@click.option(
    "--since", default="30d", show_default=True, help="Age (7d, 24h) or day (2026-11-01)."
)
@click.option("--until", default="", help="Day (2026-11-30, inclusive); default: now.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_common_options
@_fail_cleanly
def analytics_command(
    since: str,
    until: str,
    limit: int,
    as_json: bool,
    index_dir: str | None,
    config_file: str | None,
) -> None:
    """Top queries, queries that found nothing, and slow queries, from what serve recorded
    (normalized queries, filters, counts and times; never who searched)."""
    settings = _settings(config_file, index_dir=index_dir)
    path = analytics.log_path(settings)
    now = datetime.now(timezone.utc)
    start = _period(since, now)
    end = _period(until, now) + timedelta(days=1) - timedelta(minutes=1) if until else now
    log = analytics.SearchLog(path, settings.analytics_retention_days)
    try:
        report = log.report(start, end, limit)
    finally:
        log.close()
    if as_json:
        print_json(report.to_dict())
        return
    if not path.exists():
        click.echo(
            f"No searches recorded yet ({path} does not exist): serve records them while "
            "setting analytics is on (the default).",
            err=True,
        )
    _print_report(report)


def _print_report(report: analytics.AnalyticsReport) -> None:
    def share(count: int) -> str:
        return f"{count / report.searches:.0%}" if report.searches else "0%"

    click.echo(
        f"{counted(report.searches, 'search', 'searches')} from {report.since} to "
        f"{report.until} (UTC); {report.zero_result_searches:,} found nothing "
        f"({share(report.zero_result_searches)}), {report.corrected_searches:,} were "
        f"corrected ({share(report.corrected_searches)}), {report.related_only_searches:,} "
        f"found only related results ({share(report.related_only_searches)})."
    )
    if not report.searches:
        return
    click.echo("\nTop queries (searches, average matches):")
    for top in report.top_queries:
        click.echo(f"  {top.searches:>6,}  {top.query or '(no words)'}  [{top.average_results:g}]")
    click.echo("\nQueries that found nothing (searches, filters of one of them):")
    for zero in report.zero_result_queries:
        filters = json.dumps(zero.filters, ensure_ascii=False) if zero.filters else ""
        click.echo(f"  {zero.searches:>6,}  {zero.query or '(no words)'}  {filters}")
    click.echo("\nQueries that matched nothing as typed, and the correction searched:")
    for fixed in report.corrected_queries:
        click.echo(f"  {fixed.searches:>6,}  {fixed.query}  -> {fixed.searched}")
    click.echo("\nQueries with only related results (searches, average related results):")
    for related in report.related_only_queries:
        click.echo(f"  {related.searches:>6,}  {related.query}  [{related.average_results:g}]")
    click.echo("\nSlowest queries (slowest ms, searches):")
    for slow in report.slow_queries:
        click.echo(f"  {slow.slowest_ms:>8,.1f}  {slow.query or '(no words)'}  ({slow.searches:,})")
