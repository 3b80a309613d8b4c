"""Runs the app on gunicorn (never Flask's debug server)."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import socket
import tempfile
from typing import Any

from gunicorn.app.base import BaseApplication

from indexer import Settings


class PolicySearchServer(BaseApplication):
    """A gunicorn application whose workers each create the Flask app after the fork.

    The app is not preloaded, so a JVM tagger (Okt, Komoran) starts inside each
    worker on first use: a JVM started before a fork hangs the children.
    """

    def __init__(
        self, settings: Settings, options: dict[str, Any], web_config: dict[str, Any] | None = None
    ) -> None:
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
        app = create_app({**self.web_config, "SETTINGS": self.settings, "WARM_IN_BACKGROUND": True})
        warm_up(app, search_index)
        return app


def warm_up(app, search_index) -> None:
    """Loads the tagger and the facet tables before the first user waits for them."""
    from indexer import PolicySearchError, SearchRequest

    try:
        search_index(app).search(SearchRequest(q="서울 Seoul", size=1))
    except PolicySearchError:
        pass  # no index yet (the pages explain it), or a tight request_timeout_ms


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


DIRECT_THREADS = 4


def listen(host: str, port: int, backlog: int = 2048) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(backlog)
    listener.setblocking(False)
    return listener


def serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    threads: int | None = None,
    access_log: bool = False,
    front: bool = True,
) -> int:
    """The front (this process) on host:port, gunicorn's workers behind it on a private
    Unix socket (see searchweb/front.py for why); returns the exit status. Without
    ``front``, gunicorn listens on host:port itself: only behind a proxy that buffers
    whole requests (nginx does by default), which then deals with slow clients.

    ``threads`` per worker defaults to 1 behind the front: requests arrive whole and
    answers are taken at once, so a worker never waits on a client, and single-threaded
    workers do not contend for the GIL (x1 bench, wrk 8 connections: 244 req/s with 4
    threads, 264 with 1; 272 before the front). Without the front, 4 threads overlap
    the waiting on clients."""
    if threads is None:
        threads = 1 if front else DIRECT_THREADS
    options = _gunicorn_options(workers, threads, access_log)
    if not front:
        # gunicorn's largest line (8190 bytes) holds a 500-character Korean query (4,500
        # bytes encoded); its default 4094 did not.
        options.update(
            bind=f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            limit_request_line=8190,
            limit_request_field_size=16384,
        )
        PolicySearchServer(settings, options).run()
        return 0
    return _serve_behind_front(settings, host, port, options)


def _gunicorn_options(workers: int, threads: int, access_log: bool) -> dict[str, Any]:
    return {
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        # One request per connection: keep-alive pinned clients to one worker (wrk: 8
        # clients landed 6 on one worker and 2 on the other, throughput halved).
        "keepalive": 0,
        "preload_app": False,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "policysearch",
        # gunicorn's default control socket is one path per user: a second serve on the
        # machine took over the first one's.
        "control_socket_disable": True,
    }


def _serve_behind_front(settings: Settings, host: str, port: int, options: dict[str, Any]) -> int:
    """The front on host:port in this process, gunicorn's master forked behind it."""
    from .front import limits_for, run_front

    listener = listen(host, port)
    runtime_dir = tempfile.mkdtemp(prefix="policysearch-serve-")  # mode 0700: ours alone
    backend_socket = os.path.join(runtime_dir, "workers.sock")
    options.update(
        bind=f"unix:{backend_socket}",
        # The front bounds request lines and headers (consistent with max_query_chars).
        limit_request_line=0,
        limit_request_field_size=0,
        limit_request_fields=32768,
    )
    soft_open_files, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limits = limits_for(
        settings.max_query_chars,
        settings.request_timeout_ms,
        settings.client_read_timeout_ms,
        soft_open_files,
    )
    backend_pid = os.fork()
    if backend_pid == 0:  # the workers' master; it never returns
        listener.close()
        status = 1
        try:
            PolicySearchServer(settings, options, {"BEHIND_FRONT": True}).run()
            status = 0
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        finally:
            os._exit(status)
    try:
        return run_front(
            listener,
            backend_socket,
            limits,
            backend_pid,
            stop_grace_s=options["graceful_timeout"] + 5,
        )
    finally:
        listener.close()
        shutil.rmtree(runtime_dir, ignore_errors=True)
