"""The `policysearch` command: a thin shell over the indexer's public API.

Exit statuses: 0 success; 1 failure (nothing indexed, or an error with a message);
2 a usage mistake (click's own); 3 partial success (indexed, but some files or
records were rejected and are listed).
"""
from __future__ import annotations

import functools
import html
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import click

from .config import KNOWN_TAGGERS, Settings, load_settings
from .errors import PolicySearchError
from .mapping import load_mapping, mapping_for_corpus, shipped_mapping_names
from .readers import CorpusReport, ReadLimits, read_sources
from .search import SORTS, SearchIndex, SearchRequest
from .storage import has_index
from .writer import build_index, update_index

EXIT_FAILURE = 1
EXIT_PARTIAL = 3
SHIPPED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
REJECTIONS_SHOWN = 20
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _fail_cleanly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turns the core's errors into one-line messages and a non-zero exit, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PolicySearchError as exc:
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted. The index that was serving is unchanged.", err=True)
            sys.exit(130)

    return wrapper


def _common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--config", "config_file", type=click.Path(dir_okay=False),
                           help="TOML settings file (default: policysearch.toml if present).")(command)
    command = click.option("--index-dir", type=click.Path(file_okay=False),
                           help="Index directory (default: setting index_dir).")(command)
    return command


def _settings(config_file: str | None, **overrides: Any) -> Settings:
    return load_settings(config_file, **overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policysearch")
def main() -> None:
    """Search city policy documents in Korean and English."""


# -- index and reindex -------------------------------------------------------------------


def _read(paths: tuple[str, ...], mapping_name: str | None, settings: Settings,
          quiet: bool) -> tuple[str, CorpusReport]:
    corpora = [Path(p) for p in paths] or [Path(settings.corpus_path or SHIPPED_CORPUS)]
    sources = []
    for corpus in corpora:
        if not corpus.exists():
            raise click.ClickException(
                f"Corpus path {corpus} does not exist. Give the folder or file to index: "
                "policysearch index PATH")
        name = mapping_name
        if name is None:
            name = mapping_for_corpus(corpus)
            if name and not quiet:
                click.echo(f"Using the shipped mapping {name!r} for {corpus}.", err=True)
        sources.append((corpus, load_mapping(name)))
    started = time.perf_counter()
    limits = ReadLimits(settings.max_file_bytes, settings.max_body_chars)
    report = read_sources(sources, limits)
    if not quiet:
        click.echo(f"Read {len(report.documents):,} documents from {report.files_read:,} files "
                   f"in {time.perf_counter() - started:.1f}s.", err=True)
    return " ".join(str(c) for c in corpora), report


def _progress(total: int, label: str, quiet: bool):
    if quiet:
        return _NoProgress()
    return click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True,
                             show_eta=True, width=30)


class _NoProgress:
    def __enter__(self) -> "_NoProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, count: int) -> None:
        return None


def _report_problems(report: CorpusReport, report_file: str | None) -> None:
    for warning in report.warnings[:REJECTIONS_SHOWN]:
        click.echo(f"warning: {warning.describe()}", err=True)
    if report.rejections:
        click.echo(f"Rejected {len(report.rejections):,} (not indexed):", err=True)
        for rejection in report.rejections[:REJECTIONS_SHOWN]:
            click.echo(f"  {rejection.describe()}", err=True)
        hidden = len(report.rejections) - REJECTIONS_SHOWN
        if hidden > 0:
            hint = f"see {report_file}" if report_file else "use --report FILE to save them all"
            click.echo(f"  ... and {hidden:,} more ({hint}).", err=True)
    if report_file:
        Path(report_file).write_text(json.dumps({
            "rejections": [r.__dict__ for r in report.rejections],
            "warnings": [w.__dict__ for w in report.warnings],
            "skipped": report.skipped,
        }, ensure_ascii=False, indent=2), encoding="utf-8")


def _index_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.argument("paths", nargs=-1, type=click.Path())(command)
    command = click.option(
        "--mapping", help="Field mapping: a TOML file or a shipped name "
        f"({', '.join(shipped_mapping_names())}). Default: the shipped mapping named like the "
        "folder, else common field names.")(command)
    command = click.option("--tagger", type=click.Choice(KNOWN_TAGGERS),
                           help="Korean tagger (default: setting tagger, mecab).")(command)
    command = click.option("--report", "report_file", type=click.Path(dir_okay=False),
                           help="Write every rejection and warning to this JSON file.")(command)
    command = click.option("-q", "--quiet", is_flag=True,
                           help="No progress bar; only problems and the summary.")(command)
    return _common_options(command)


@main.command()
@_index_options
@_fail_cleanly
def index(paths: tuple[str, ...], mapping: str | None, tagger: str | None, report_file: str | None,
          quiet: bool, index_dir: str | None, config_file: str | None) -> None:
    """Build a fresh index of PATHS (default: the shipped corpus/) and switch to it.

    The index that was serving keeps answering until the new one is complete.
    """
    settings = _settings(config_file, index_dir=index_dir, tagger=tagger)
    corpus, report = _read(paths, mapping, settings, quiet)
    _full_build(settings, corpus, report, quiet, report_file)


def _full_build(settings: Settings, corpus: str, report: CorpusReport, quiet: bool,
                report_file: str | None) -> None:
    started = time.perf_counter()
    with _progress(len(report.documents), "Indexing", quiet) as bar:
        result = build_index(report.documents, settings.index_dir, settings, progress=bar.update,
                             corpus_description=corpus, rejected=len(report.rejections))
    if result.notice:
        click.echo(result.notice, err=True)
    _report_problems(report, report_file)
    click.echo(f"Indexed {result.documents:,} documents into {settings.index_dir} "
               f"in {time.perf_counter() - started:.1f}s.")
    _exit_for(report, result.documents)


@main.command()
@_index_options
@_fail_cleanly
def reindex(paths: tuple[str, ...], mapping: str | None, tagger: str | None, report_file: str | None,
            quiet: bool, index_dir: str | None, config_file: str | None) -> None:
    """Bring the index up to date with PATHS: add new, update changed, delete vanished documents."""
    settings = _settings(config_file, index_dir=index_dir, tagger=tagger)
    corpus, report = _read(paths, mapping, settings, quiet)
    started = time.perf_counter()
    if not has_index(settings.index_dir):
        click.echo("No index yet: building one from scratch.", err=True)
        _full_build(settings, corpus, report, quiet, report_file)
        return
    with _progress(len(report.documents), "Comparing and updating", quiet) as bar:
        result = update_index(report.documents, settings.index_dir, settings,
                              progress=bar.update, corpus_description=corpus)
    if result.notice:
        click.echo(result.notice, err=True)
    _report_problems(report, report_file)
    click.echo(f"Added {result.added:,}, updated {result.updated:,}, deleted {result.deleted:,}, "
               f"unchanged {result.unchanged:,}; {result.documents:,} documents in the index "
               f"({time.perf_counter() - started:.1f}s).")
    _exit_for(report, result.documents)


def _exit_for(report: CorpusReport, indexed: int) -> None:
    if indexed == 0:
        click.echo("Nothing was indexed.", err=True)
        sys.exit(EXIT_FAILURE)
    if report.rejections:
        sys.exit(EXIT_PARTIAL)


# -- search and stats --------------------------------------------------------------------


def _terminal_snippet(snippet_html: str) -> str:
    emphasised = _MARK.sub(lambda m: click.style(m.group(1), bold=True, fg="yellow"), snippet_html)
    return html.unescape(_TAG.sub("", emphasised))


@main.command("search")
@click.argument("query", required=False, default="")
@click.option("--category", multiple=True, help="Only this category (repeat for any of several).")
@click.option("--department", multiple=True, help="Only this department (repeatable).")
@click.option("--year", multiple=True, help="Only this year (repeatable).")
@click.option("--lang", multiple=True, help="Only this language: ko, en, mixed (repeatable).")
@click.option("--from", "date_from", default="", help="Dated on or after (2022, 2022-11, 2022-11-17).")
@click.option("--to", "date_to", default="", help="Dated on or before.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--limit", "size", type=int, default=None, help="Results per page (default 10).")
@click.option("--raw", is_flag=True, help="Use Whoosh's query syntax (AND, OR, NOT, wildcards).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@_common_options
@_fail_cleanly
def search_command(query: str, category: tuple[str, ...], department: tuple[str, ...],
                   year: tuple[str, ...], lang: tuple[str, ...], date_from: str, date_to: str,
                   sort: str, page: int, size: int | None, raw: bool, as_json: bool,
                   index_dir: str | None, config_file: str | None) -> None:
    """Search the index: words, "quoted phrases", -exclusions, title:word, category:value."""
    settings = _settings(config_file, index_dir=index_dir)
    filters = {name: list(values) for name, values in (
        ("category", category), ("department", department), ("year", year), ("lang", lang))
        if values}
    request = SearchRequest(q=query, filters=filters, date_from=date_from, date_to=date_to,
                            sort=sort, page=page, size=size, raw=raw)
    index = SearchIndex(settings.index_dir, settings)
    try:
        result = index.search(request)
    finally:
        index.close()
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return
    for notice in result.notices:
        click.echo(notice, err=True)
    if not result.total:
        click.echo(f"No documents match {query!r}. Try fewer words or drop a filter.")
        return
    first = (result.page - 1) * result.size + 1
    noun = "document matches" if result.total == 1 else "documents match"
    click.echo(f"{result.total:,} {noun}; showing {first}-{first + len(result.hits) - 1} "
               f"({result.took_ms:.0f} ms).\n")
    for rank, hit in enumerate(result.hits, start=first):
        score = f"{hit.score:.2f}" if hit.score is not None else hit.date or hit.year
        where = " / ".join(filter(None, [", ".join(hit.category), hit.department]))
        click.echo(f"{rank:>3}. {_terminal_snippet(hit.title_html)}  [{score}]")
        click.echo(f"     {hit.id} | {where}{' | ' + hit.date if hit.date else ''}")
        click.echo(f"     {_terminal_snippet(hit.snippet_html)}\n")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@_common_options
@_fail_cleanly
def stats(as_json: bool, index_dir: str | None, config_file: str | None) -> None:
    """Documents, facet counts, size on disk, last build and the analyzer of the index."""
    settings = _settings(config_file, index_dir=index_dir)
    index = SearchIndex(settings.index_dir, settings)
    try:
        info = index.stats()
    finally:
        index.close()
    if as_json:
        click.echo(json.dumps(info.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Index:      {info.index_dir} ({info.generation})")
    click.echo(f"Documents:  {info.documents:,}")
    click.echo(f"Size:       {info.size_bytes / 1_048_576:.1f} MiB")
    click.echo(f"Built:      {info.built_at}   last updated: {info.updated_at}")
    click.echo(f"Corpus:     {info.corpus}")
    click.echo(f"Analyzer:   {info.analyzer}; schema version {info.schema_version}")
    for facet in info.facets:
        shown = ", ".join(f"{v.label} {v.count:,}" for v in facet.values[:8])
        more = " ..." if facet.truncated or len(facet.values) > 8 else ""
        click.echo(f"{facet.label + ':':<11} {shown}{more}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 256),
              help="Threads per worker.")
@click.option("--access-log", is_flag=True, help="Log every request to stderr.")
@_common_options
@_fail_cleanly
def serve(host: str, port: int, workers: int, threads: int, access_log: bool,
          index_dir: str | None, config_file: str | None) -> None:
    """Serve the search web app and JSON API on gunicorn.

    With no index yet, builds one from the shipped corpus/ (or setting corpus_path) first.
    """
    from searchweb.server import port_is_free
    from searchweb.server import serve as run_server

    settings = _settings(config_file, index_dir=index_dir)
    if not port_is_free(host, port):
        raise click.ClickException(f"Port {port} on {host} is in use. Stop what uses it or "
                                   "choose another: policysearch serve --port 8001")
    if not has_index(settings.index_dir):
        click.echo(f"No index in {settings.index_dir} yet: building one first.", err=True)
        # In a child process: the server's master must never load a tagger (a JVM
        # started before gunicorn forks its workers hangs them).
        command = [sys.executable, "-m", "indexer.cli", "index", "--index-dir", settings.index_dir]
        if config_file:
            command += ["--config", config_file]
        built = subprocess.run(command)
        if built.returncode not in (0, EXIT_PARTIAL):
            raise click.ClickException("Building the index failed (see above); nothing to serve.")
    click.echo(f"Serving {settings.index_dir} on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    run_server(settings, host, port, workers, threads, access_log)


if __name__ == "__main__":  # pragma: no cover
    main()
