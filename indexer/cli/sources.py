"""Which sources `index` and `reindex` read (the PATHs given, or those the index
recorded), and reading them with progress."""

from __future__ import annotations

from pathlib import Path

import click

from indexer.backends import backend_of
from indexer.cli.progress import Progress
from indexer.config import Settings
from indexer.reading.mapping import load_mapping, mapping_for_corpus
from indexer.reading.readers import CorpusReport, ReadLimits, read_sources, source_key
from indexer.writing.options import SourceRecord

SHIPPED_CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def sources_to_read(
    paths: tuple[str, ...], mapping_name: str | None, settings: Settings, quiet: bool
) -> list[tuple[Path, SourceRecord]]:
    """(path, source record) for each PATH; with none, the sources the index records."""
    if not paths:
        recorded = _recorded_sources(settings)
        if recorded:
            if not quiet:
                click.echo(
                    "Reading the sources this index was built from: "
                    + ", ".join(s.path for s in recorded),
                    err=True,
                )
            return [(Path(s.path), s) for s in recorded]
    corpora = [Path(p) for p in paths] or [Path(settings.corpus_path or SHIPPED_CORPUS)]
    chosen = []
    for corpus in corpora:
        if not corpus.exists():
            raise click.ClickException(
                f"Corpus path {corpus} does not exist. Give the folder or file to index: "
                "policysearch index PATH"
            )
        name = mapping_name
        if name is None:
            name = mapping_for_corpus(corpus)
            if name and not quiet:
                click.echo(f"Using the shipped mapping {name!r} for {corpus}.", err=True)
        elif Path(name).is_file():
            name = str(Path(name).resolve())  # recorded so a later reindex finds it
        chosen.append((corpus, SourceRecord(source_key(corpus), name)))
    return chosen


def _recorded_sources(settings: Settings) -> list[SourceRecord]:
    backend = backend_of(settings)
    if not backend.has_index(settings):
        return []
    recorded = backend.recorded_sources(settings)
    missing = [s.path for s in recorded if not Path(s.path).exists()]
    if missing:
        raise click.ClickException(
            f"A source of this index no longer exists: {', '.join(missing)}. Nothing was "
            "changed. Give the PATHs to read: policysearch reindex PATH ..."
        )
    return recorded


def read_chosen(
    chosen: list[tuple[Path, SourceRecord]], settings: Settings, progress: Progress
) -> CorpusReport:
    sources = [(path, load_mapping(record.mapping)) for path, record in chosen]
    limits = ReadLimits(settings.max_file_bytes, settings.max_body_chars)
    report = read_sources(sources, limits, progress=progress.reading)
    progress.say(
        f"Read {len(report.documents):,} documents from {report.files_read:,} files "
        f"in {progress.elapsed():.1f}s."
    )
    skipped = report.skipped_by_extension()
    if skipped:
        listed = ", ".join(f"{count:,} {suffix}" for suffix, count in skipped.items())
        progress.say(
            f"Skipped {len(report.skipped):,} files that are not documents "
            f"({listed}); --report FILE lists them."
        )
    return report
