"""The `policysearch` command: a thin shell over the indexer's public API.

Exit statuses: 0 success; 1 failure (nothing indexed, or an error with a message);
2 a usage mistake (click's own); 3 partial success (indexed, but some files or
records were rejected and are listed); 4 refused (the change would delete more than
max_delete_fraction of the index; nothing was changed).

The commands live in build.py (index, reindex), lookup.py (search, stats, analytics),
cluster.py (cluster init, start, stop, status, deploy) and
serving.py (serve); this module holds the group and what they share.
"""

from __future__ import annotations

import functools
import json
import sys
from typing import Any, Callable

import click

from indexer.config import Settings, load_settings
from indexer.errors import PolicySearchError

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_PARTIAL = 3
EXIT_REFUSED = 4
# A request field -> the option that sets it: an error names what the user typed.
OPTION_OF_FIELD = {"date_from": "--from", "date_to": "--to", "size": "--limit", "page": "--page"}


def print_json(summary: dict[str, Any]) -> None:
    """The one JSON object a command run with --json prints on stdout."""
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


def _json_error(code: str, message: str, params: dict[str, Any], status: int) -> None:
    command = click.get_current_context().info_name
    error = {"code": code, "message": message, "params": params}
    print_json({"command": command, "exit_status": status, "error": error})


def _fail_cleanly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turns the core's errors into one-line messages and a non-zero exit, never a
    traceback; with --json, also one JSON object on stdout with the error's stable code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except PolicySearchError as exc:
            message = str(exc) if exc.text_given else exc.message(names=OPTION_OF_FIELD)
            if kwargs.get("as_json"):
                _json_error(exc.code, message, exc.named_params(OPTION_OF_FIELD), EXIT_FAILURE)
            raise click.ClickException(message) from None
        except click.ClickException as exc:
            if kwargs.get("as_json"):
                code = "usage" if isinstance(exc, click.UsageError) else "error"
                _json_error(code, exc.format_message(), {}, exc.exit_code)
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted. The index that was serving is unchanged.", err=True)
            sys.exit(130)

    return wrapper


def _common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False),
        help="TOML settings file (default: policysearch.toml if present).",
    )(command)
    command = click.option(
        "--index-dir",
        type=click.Path(file_okay=False),
        help="Index directory (default: setting index_dir).",
    )(command)
    return command


def _settings(config_file: str | None, **overrides: Any) -> Settings:
    return load_settings(config_file, **overrides)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="policysearch")
def main() -> None:
    """Search city policy documents in Korean and English."""


from indexer.cli import build, cluster, lookup  # noqa: E402  (registers the commands on main)

__all__ = [
    "EXIT_FAILURE",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_REFUSED",
    "build",
    "cluster",
    "lookup",
    "main",
    "serving",
]
