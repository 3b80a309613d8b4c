"""`policysearch index` and `reindex`: read sources, report problems, write the index."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NoReturn

import click

from indexer.backends import backend_of, writers
from indexer.cli import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_REFUSED,
    _common_options,
    _fail_cleanly,
    _settings,
    main,
    print_json,
)
from indexer.cli.progress import REJECTIONS_SHOWN, Progress, counted, report_problems
from indexer.cli.sources import read_chosen, sources_to_read
from indexer.config import Settings
from indexer.config_checks import KNOWN_TAGGERS
from indexer.errors import ChangeRefusedError, DeletesRefusedError, IndexMissingError
from indexer.reading.mapping import shipped_mapping_names
from indexer.reading.readers import CorpusReport
from indexer.writing.changes import ChangePlan
from indexer.writing.options import SourceRecord, WriteOptions


def _index_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.argument("paths", nargs=-1, type=click.Path())(command)
    command = click.option(
        "--mapping",
        help="Field mapping: a TOML file or a shipped name "
        f"({', '.join(shipped_mapping_names())}). Default: the one PATH was indexed with, else "
        "the shipped mapping whose columns the files have, else common field names.",
    )(command)
    command = click.option(
        "--tagger",
        type=click.Choice(KNOWN_TAGGERS),
        help="Korean tagger (default: setting tagger, mecab).",
    )(command)
    command = click.option(
        "--report",
        "report_file",
        type=click.Path(dir_okay=False),
        help="Write every rejection, warning and skipped file to this JSON file.",
    )(command)
    command = click.option(
        "--dry-run",
        is_flag=True,
        help="Say what would be added, updated and deleted; change nothing.",
    )(command)
    command = click.option(
        "--allow-deletes",
        is_flag=True,
        help="Delete even when that removes more than max_delete_fraction of the index.",
    )(command)
    command = click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print a JSON summary (counts, rejections, timings) on stdout.",
    )(command)
    command = click.option(
        "-q", "--quiet", is_flag=True, help="No progress; only problems and the summary."
    )(command)
    return _common_options(command)


@dataclass
class _Run:
    """One index or reindex run, as the summary and the exit status report it."""

    command: str
    settings: Settings
    report: CorpusReport
    progress: Progress
    report_file: str | None
    as_json: bool
    dry_run: bool
    read_s: float = 0.0

    def list_plan(self, plan: ChangePlan | None) -> None:
        """A dry run's plan, the first ids of each change (also when it is refused)."""
        if not self.dry_run or plan is None or self.as_json:
            return
        for verb, ids in (
            ("add", plan.added),
            ("update", plan.updated),
            ("delete", plan.deleted),
            ("keep", plan.kept),
        ):
            if ids:
                more = (
                    f" ... and {len(ids) - REJECTIONS_SHOWN:,} more"
                    if len(ids) > REJECTIONS_SHOWN
                    else ""
                )
                click.echo(f"  would {verb}: {', '.join(ids[:REJECTIONS_SHOWN])}{more}", err=True)

    def finish(self, plan: ChangePlan | None, documents: int, notice: str, message: str) -> None:
        if notice:
            click.echo(notice, err=True)
        self.list_plan(plan)
        report_problems(self.report, self.report_file, self.as_json or self.progress.quiet)
        status = EXIT_OK
        if documents == 0 and not self.dry_run:
            status = EXIT_FAILURE
        elif self.report.rejections:
            status = EXIT_PARTIAL
        if self.as_json:
            self.print_json(plan, documents, status, message)
        else:
            click.echo(message)
        if status:
            sys.exit(status)

    def print_json(
        self, plan: ChangePlan | None, documents: int, status: int, message: str, refused: str = ""
    ) -> None:
        summary = {
            "command": self.command,
            "index_dir": backend_of(self.settings).directory(self.settings),
            "dry_run": self.dry_run,
            "exit_status": status,
            "message": message,
            "refused": refused,
            "sources": self.report.sources,
            "files_read": self.report.files_read,
            "documents_read": len(self.report.documents),
            "skipped": self.report.skipped_by_extension(),
            "rejected": len(self.report.rejections),
            "rejections": [r.__dict__ for r in self.report.rejections[:1000]],
            "warnings": len(self.report.warnings),
            "changes": plan.to_dict() if plan else None,
            "documents_in_index": documents,
            "timings_s": {
                "read": round(self.read_s, 2),
                "total": round(self.progress.elapsed(), 2),
            },
        }
        print_json(summary)


def _write_options(
    run: _Run,
    chosen: list[tuple[Path, SourceRecord]],
    allow_deletes: bool,
    sources: list[SourceRecord],
) -> WriteOptions:
    return WriteOptions(
        sources=sources,
        troubled_files=frozenset(run.report.troubled_files),
        rejected_ids=frozenset(run.report.rejected_ids),
        allow_deletes=allow_deletes,
        dry_run=run.dry_run,
        corpus_description=" ".join(str(path) for path, _ in chosen),
        rejected=len(run.report.rejections),
        phase=run.progress.phase,
    )


def _write(
    run: _Run,
    chosen: list[tuple[Path, SourceRecord]],
    allow_deletes: bool,
    label: str,
    write: Callable[..., Any],
) -> Any:
    """Runs a full build or a reindex of the settings' backend (backends.writers) with
    progress; a refusal exits with its status."""
    options = _write_options(run, chosen, allow_deletes, [record for _, record in chosen])
    progress = run.progress.start(label, len(run.report.documents))
    try:
        return write(
            run.report.documents,
            backend_of(run.settings).directory(run.settings),
            run.settings,
            progress=progress.update,
            options=options,
        )
    except ChangeRefusedError as exc:
        progress.finish()
        _refusal(run, exc, EXIT_REFUSED if isinstance(exc, DeletesRefusedError) else EXIT_FAILURE)
    finally:
        progress.finish()


def _refusal(run: _Run, exc: ChangeRefusedError, status: int) -> NoReturn:
    """A refused or impossible write: nothing changed; a dry run still lists the plan;
    say why and exit with ``status``."""
    plan: ChangePlan | None = exc.plan
    run.list_plan(plan)
    report_problems(run.report, run.report_file, run.as_json or run.progress.quiet)
    if run.as_json:
        in_index = plan.indexed_before if plan else 0
        run.print_json(plan, in_index, status, str(exc), refused=exc.code)
    click.echo(str(exc), err=True)
    sys.exit(status)


def _index_run(
    command: str,
    paths: tuple[str, ...],
    mapping: str | None,
    tagger: str | None,
    report_file: str | None,
    quiet: bool,
    as_json: bool,
    dry_run: bool,
    index_dir: str | None,
    config_file: str | None,
) -> tuple[_Run, list]:
    settings = _settings(config_file, index_dir=index_dir, tagger=tagger)
    backend = backend_of(settings)
    if command == "reindex" and not backend.has_index(settings):
        where = backend.directory(settings)
        raise IndexMissingError(
            f"There is no index in {where}: reindex updates an existing index. Check "
            f"--index-dir, or build one: policysearch index PATH --index-dir {where}"
        )
    progress = Progress(quiet or as_json)
    chosen = sources_to_read(paths, mapping, settings, quiet=progress.quiet)
    report = read_chosen(chosen, settings, progress)
    run = _Run(
        command,
        settings,
        report,
        progress,
        report_file,
        as_json,
        dry_run,
        read_s=progress.elapsed(),
    )
    return run, chosen


@main.command()
@_index_options
@_fail_cleanly
def index(
    paths: tuple[str, ...],
    mapping: str | None,
    tagger: str | None,
    report_file: str | None,
    dry_run: bool,
    allow_deletes: bool,
    as_json: bool,
    quiet: bool,
    index_dir: str | None,
    config_file: str | None,
) -> None:
    """Build a fresh index of PATHS and switch to it.

    Without PATHS: the sources the index was built from, or the shipped corpus/ for a
    new index. The index that was serving keeps answering until the new one is complete;
    a build that would delete more than max_delete_fraction of it is refused.
    """
    run, chosen = _index_run(
        "index",
        paths,
        mapping,
        tagger,
        report_file,
        quiet,
        as_json,
        dry_run,
        index_dir,
        config_file,
    )
    _full_build(run, chosen, allow_deletes)


def _full_build(run: _Run, chosen: list[tuple[Path, SourceRecord]], allow_deletes: bool) -> None:
    result = _write(run, chosen, allow_deletes, "Indexing", writers(run.settings).build)
    plan = result.plan
    changes = _describe_plan(plan) if plan and plan.indexed_before else ""
    if run.dry_run:
        message = (
            f"Dry run: a build would index {counted(result.documents, 'document')}{changes}. "
            "Nothing was changed."
        )
    else:
        directory = backend_of(run.settings).directory(run.settings)
        message = (
            f"Indexed {counted(result.documents, 'document')} into {directory} "
            f"in {run.progress.elapsed():.1f}s{changes}."
        )
    run.finish(plan, result.documents, result.notice, message)


def _describe_plan(plan: ChangePlan) -> str:
    kept = f"; kept {len(plan.kept):,} rejected this time" if plan.kept else ""
    return (
        f" (against the previous index: {len(plan.added):,} new, {len(plan.updated):,} "
        f"changed, {len(plan.deleted):,} gone{kept})"
    )


@main.command()
@_index_options
@_fail_cleanly
def reindex(
    paths: tuple[str, ...],
    mapping: str | None,
    tagger: str | None,
    report_file: str | None,
    dry_run: bool,
    allow_deletes: bool,
    as_json: bool,
    quiet: bool,
    index_dir: str | None,
    config_file: str | None,
) -> None:
    """Bring the index up to date: add new, update changed, delete vanished documents.

    Without PATHS, reindexes the sources the index was built from. With PATHS, only
    documents that came from those PATHS can be deleted; documents of a file that is
    rejected this time are kept.
    """
    run, chosen = _index_run(
        "reindex",
        paths,
        mapping,
        tagger,
        report_file,
        quiet,
        as_json,
        dry_run,
        index_dir,
        config_file,
    )
    written = writers(run.settings)
    result = _write(run, chosen, allow_deletes, "Comparing and updating", written.update)
    kept = f", kept {result.kept:,} (rejected this time)" if result.kept else ""
    counts = (
        f"added {result.added:,}, updated {result.updated:,}, deleted {result.deleted:,}"
        f"{kept}, unchanged {result.unchanged:,}"
    )
    if run.dry_run:
        message = f"Dry run: would have {counts}. Nothing was changed."
    else:
        message = (
            f"{counts[0].upper()}{counts[1:]}; {counted(result.documents, 'document')} in the "
            f"index ({run.progress.elapsed() - run.read_s:.1f}s)."
        )
    run.finish(result.plan, result.documents, result.notice, message)
