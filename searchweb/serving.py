"""`policysearch serve`."""

from __future__ import annotations

import subprocess
import sys

import click

from indexer.backends import backend_of
from indexer.cli import (
    EXIT_PARTIAL,
    _common_options,
    _fail_cleanly,
    _settings,
    main,
)
from indexer.config import Settings


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 for every interface).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="gunicorn worker processes.",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help="Threads per worker.  [default: 1; 4 with --no-front]",
)
@click.option("--access-log", is_flag=True, help="Log every request to stderr.")
@click.option(
    "--no-front",
    "no_front",
    is_flag=True,
    help="gunicorn listens on the port itself, without serve's front: only behind "
    "a proxy that buffers whole requests (nginx's default), which then deals "
    "with slow clients.",
)
@_common_options
@_fail_cleanly
def serve(
    host: str,
    port: int,
    workers: int,
    threads: int | None,
    access_log: bool,
    no_front: bool,
    index_dir: str | None,
    config_file: str | None,
) -> None:
    """Serve the search web app and JSON API: gunicorn workers behind an event-loop front.

    With no index yet, builds one from the shipped corpus/ (or setting corpus_path) first.
    """
    from searchweb.server import port_is_free
    from searchweb.server import serve as run_server

    settings = _settings(config_file, index_dir=index_dir)
    if not port_is_free(host, port):
        raise click.ClickException(
            f"Port {port} on {host} is in use. Stop what uses it or "
            "choose another: policysearch serve --port 8001"
        )
    backend = backend_of(settings)
    if not backend.has_index(settings):
        _build_first(settings, config_file)
    notice = backend.readiness(settings)
    if notice:
        click.echo(notice, err=True)
    serving = backend.directory(settings)
    click.echo(f"Serving {serving} on http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    status = run_server(settings, host, port, workers, threads, access_log, front=not no_front)
    if status:
        raise SystemExit(status)


def _build_first(settings: Settings, config_file: str | None) -> None:
    """An index built from the shipped corpus where there is none, in the default
    directory only."""
    if settings.index_dir != Settings().index_dir:
        # A typo in --index-dir must not quietly serve the 8-document sample corpus.
        raise click.ClickException(
            f"No index in {settings.index_dir}. Check the directory, or build one there: "
            f"policysearch index PATH --index-dir {settings.index_dir}"
        )
    click.echo(f"No index in {settings.index_dir} yet: building one first.", err=True)
    # In a child process: the server's master must never load a tagger (a JVM
    # started before gunicorn forks its workers hangs them).
    command = [
        sys.executable,
        "-m",
        "searchweb.cli",
        "index",
        "--index-dir",
        settings.index_dir,
    ]
    if config_file:
        command += ["--config", config_file]
    built = subprocess.run(command)
    if built.returncode not in (0, EXIT_PARTIAL):
        raise click.ClickException("Building the index failed (see above); nothing to serve.")
