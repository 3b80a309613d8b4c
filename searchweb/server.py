"""Runs the app on gunicorn (never Flask's debug server)."""
from __future__ import annotations

import errno
import socket
from typing import Any

from gunicorn.app.base import BaseApplication

from indexer import Settings


class PolicySearchServer(BaseApplication):
    """A gunicorn application whose workers each create the Flask app after the fork.

    The app is not preloaded, so a JVM tagger (Okt, Komoran) starts inside each
    worker on first use: a JVM started before a fork hangs the children.
    """

    def __init__(self, settings: Settings, options: dict[str, Any],
                 web_config: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.options = options
        self.web_config = web_config or {}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self):
        from . import create_app, search_index

        # A server runs for long: it decodes the common terms' postings up front.
        app = create_app({**self.web_config, "SETTINGS": self.settings,
                          "WARM_IN_BACKGROUND": True})
        warm_up(app, search_index)
        return app


def warm_up(app, search_index) -> None:
    """Loads the tagger and the facet tables before the first user waits for them."""
    from indexer import IndexMissingError, SearchRequest

    try:
        search_index(app).search(SearchRequest(q="서울 Seoul", size=1))
    except IndexMissingError:
        pass  # the pages explain it


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def serve(settings: Settings, host: str, port: int, workers: int, threads: int,
          access_log: bool = False) -> None:
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        # A kept-alive connection stays with the worker that accepted it: 8 clients could
        # land 6 on one worker and 2 on the other, and throughput halved (measured with
        # wrk). Closing after each response lets the free worker take the next request.
        "keepalive": 0,
        "preload_app": False,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "policysearch",
    }
    PolicySearchServer(settings, options).run()
