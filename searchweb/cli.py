"""The ``policysearch`` command: the core's commands (indexer/cli) plus ``serve``, which
lives here because it starts this web app (the core never imports searchweb)."""

from __future__ import annotations

from indexer.cli import main
from searchweb import serving  # noqa: F401  (registers serve on main)

__all__ = ["main"]

if __name__ == "__main__":
    main()
