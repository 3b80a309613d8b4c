"""Which sources `index` and `reindex` read (the PATHs given, or those the index
recorded), and reading them with progress."""

from __future__ import annotations

from pathlib import Path

import click

from indexer.backends import backend_of
from indexer.cli.progress import Progress, counted
from indexer.config import Settings
from indexer.errors import CorpusError
from indexer.reading.mapping import load_mapping
from indexer.reading.readers import CorpusReport, ReadLimits, read_sources, source_key
from indexer.reading.recognise import mapping_for_corpus
from indexer.writing.options import SourceRecord, build_processes

SHIPPED_CORPUS = Path(__file__).resolve().parents[2] / "corpus"
_SKIPPED_NAMED = 5  # skipped files named one by one up to this many


def sources_to_read(
    paths: tuple[str, ...], mapping_name: str | None, settings: Settings, quiet: bool
) -> list[tuple[Path, SourceRecord]]:
    """(path, source record) for each PATH; with none, the sources the index records.

    A PATH the index was built from is read with the mapping recorded for it unless
    --mapping says otherwise (then the change is said); a new PATH with the shipped
    mapping its files' columns match, else with common field names."""
    recorded = _recorded_sources(settings)
    if not paths and recorded:
        missing = [s.path for s in recorded if not Path(s.path).exists()]
        if missing:
            raise CorpusError(
                f"A source of this index no longer exists: {', '.join(missing)}. Nothing was "
                "changed. Give the PATHs to read: policysearch reindex PATH ..."
            )
        if not quiet:
            click.echo(
                "Reading the sources this index was built from: "
                + ", ".join(s.path for s in recorded),
                err=True,
            )
        return [(Path(s.path), s) for s in recorded]
    recorded_mapping = {s.path: s.mapping for s in recorded}
    corpora = [Path(p) for p in paths] or [Path(settings.corpus_path or SHIPPED_CORPUS)]
    chosen = []
    for corpus in corpora:
        if not corpus.exists():
            raise CorpusError(
                f"Corpus path {corpus} does not exist. Give the folder or file to index: "
                "policysearch index PATH"
            )
        key = source_key(corpus)
        name = _mapping_to_use(corpus, key, mapping_name, recorded_mapping, quiet)
        chosen.append((corpus, SourceRecord(key, name)))
    return chosen


def _mapping_to_use(
    corpus: Path, key: str, asked: str | None, recorded: dict[str, str | None], quiet: bool
) -> str | None:
    """The mapping to read ``corpus`` (source ``key``) with."""
    if asked is None:
        if key in recorded:
            return recorded[key]
        found = mapping_for_corpus(corpus)
        if found and not quiet:
            click.echo(f"Using the shipped mapping {found!r} for {corpus}.", err=True)
        return found
    name = str(Path(asked).resolve()) if Path(asked).is_file() else asked
    if key in recorded and recorded[key] != name:
        before = recorded[key] or "common field names"
        # Said even with -q: every document of the PATH may change.
        click.echo(
            f"{corpus} was indexed with the mapping {before!r}; it is read with {name!r} "
            "this time, so documents whose fields change are updated.",
            err=True,
        )
    return name


def _recorded_sources(settings: Settings) -> list[SourceRecord]:
    backend = backend_of(settings)
    if not backend.has_index(settings):
        return []
    return backend.recorded_sources(settings)


def read_chosen(
    chosen: list[tuple[Path, SourceRecord]], settings: Settings, progress: Progress
) -> CorpusReport:
    sources = [(path, load_mapping(record.mapping)) for path, record in chosen]
    limits = ReadLimits(settings.max_file_bytes, settings.max_body_chars)
    # The build's processes read a large corpus first (reading/parallel.py).
    workers = build_processes(settings)
    report = read_sources(sources, limits, progress=progress.reading, workers=workers)
    progress.say(
        f"Read {counted(len(report.documents), 'document')} from "
        f"{counted(report.files_read, 'file')} in {progress.elapsed():.1f}s."
    )
    skipped = report.skipped_by_extension()
    if skipped:
        few = len(report.skipped) <= _SKIPPED_NAMED
        listed = (
            ", ".join(report.skipped)
            if few
            else ", ".join(f"{count:,} {suffix}" for suffix, count in skipped.items())
        )
        what = "that is not a document" if len(report.skipped) == 1 else "that are not documents"
        progress.say(
            f"Skipped {counted(len(report.skipped), 'file')} {what} ({listed})"
            + ("." if few else "; --report FILE lists them.")
        )
    return report
