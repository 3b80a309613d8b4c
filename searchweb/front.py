"""The connection front of ``serve``: whole requests in, before a search worker sees them.

gunicorn's threaded workers give each connection a thread as soon as its first byte
arrives, so clients that send a header byte every few seconds (slowloris) held every
thread and normal searches timed out. Here an event loop reads each request under one
deadline and size limits, at the cost of a coroutine per slow client; the request is
then re-framed (h11 parses it: no ambiguous lengths reach gunicorn) and sent to the
gunicorn workers over a private Unix socket, and the answer is read whole before it is
written back, so a client that reads slowly does not hold a worker either. This is the
job nginx does in front of gunicorn; the README shows that setup for production too.

One request per client connection, as before (keep-alive pinned clients to one worker).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import threading
from dataclasses import dataclass
from html import escape

import h11

from indexer.messages import LANGUAGES, render

from .i18n import API_DEFAULT_LANGUAGE, DEFAULT_LANGUAGE

logger = logging.getLogger("gunicorn.error")

# Headers that describe one connection, not the request: never passed on.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
        b"x-forwarded-for",
    }
)
READ_CHUNK_BYTES = 65_536
CONNECT_RETRY_S = 0.05

# The answers the front gives itself (the app answers everything else); their messages
# are the http_<status> codes of the message tables.
REASONS: dict[int, str] = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    414: "URI Too Long",
    431: "Request Header Fields Too Large",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_HL = re.compile(rb"[?&]hl=([a-z]{2})(?:&|$)")


@dataclass(frozen=True)
class FrontLimits:
    """How long and how much a client may take; the defaults suit a public search box."""

    read_timeout_ms: int = 10_000  # the whole request: line, headers and body
    write_timeout_ms: int = 30_000  # the whole answer
    backend_timeout_ms: int = 60_000  # a worker's answer, queueing included
    max_request_line_bytes: int = 16_384
    max_header_bytes: int = 16_384
    max_body_bytes: int = 65_536
    max_response_bytes: int = 256 * 2**20
    max_connections: int = 4096


def limits_for(
    max_query_chars: int, request_timeout_ms: int, read_timeout_ms: int, open_files: int
) -> FrontLimits:
    """Limits consistent with the settings: a URL holding a query of ``max_query_chars``
    characters of 4-byte UTF-8 (12 bytes percent-encoded) plus filters always fits, so
    a long query is cut with a notice by the app instead of refused here."""
    return FrontLimits(
        read_timeout_ms=read_timeout_ms,
        backend_timeout_ms=max(30_000, 3 * request_timeout_ms),
        max_request_line_bytes=max(8192, 12 * max_query_chars + 4096),
        # Each connection holds a socket here and one to the workers.
        max_connections=max(64, min(4096, (open_files - 64) // 2)),
    )


class _Refused(Exception):
    """The front answers ``status`` itself; ``target`` (maybe partial) picks JSON or a page."""

    def __init__(self, status: int, target: bytes = b"") -> None:
        super().__init__(status)
        self.status = status
        self.target = target


class _ClientGone(Exception):
    pass


@dataclass
class _Request:
    method: bytes
    target: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


def _target_of(request_line: bytes | bytearray) -> bytes:
    """The (possibly partial) target of a request line: b"/api/se" of b"GET /api/se"."""
    parts = bytes(request_line).split(b" ", 2)
    return parts[1] if len(parts) > 1 else b""


def _ascii_target(request_line: bytes) -> bytes:
    """The request line with bytes above 127 percent-encoded: curl and some scripts send
    UTF-8 addresses unencoded (서울 rather than %EC%84%9C%EC%9A%B8), which gunicorn
    accepted and h11 refuses; encoded, they mean the same to the app."""
    if request_line.isascii():
        return request_line
    return b"".join(b"%%%02X" % byte if byte > 127 else bytes((byte,)) for byte in request_line)


def error_response(status: int, target: bytes) -> bytes:
    """The front's own answer, in the app's error shape: JSON under /api/ (error, code,
    params, status), else a page; in the language ``?hl=`` of the (maybe partial)
    target asks for, else the API's or the page's default."""
    is_api = target.startswith(b"/api/")
    asked = _HL.search(target)
    language = asked.group(1).decode() if asked else ""
    if language not in LANGUAGES:
        language = API_DEFAULT_LANGUAGE if is_api else DEFAULT_LANGUAGE
    code, reason = f"http_{status}", REASONS[status]
    message = render(code, language)
    if is_api:
        answer = {"error": message, "code": code, "params": {}, "status": status}
        body = json.dumps(answer, ensure_ascii=False).encode()
        content_type = b"application/json"
    else:
        body = (
            f'<!doctype html><html lang="{language}"><meta charset="utf-8"><title>{status} '
            f"{reason}</title><h1>{status} {escape(reason)}</h1><p>{escape(message)}</p></html>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    head = (
        b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
        b"X-Content-Type-Options: nosniff\r\nConnection: close\r\n"
        % (status, reason.encode(), content_type, len(body))
    )
    if status in (502, 503, 504):
        head += b"Retry-After: 5\r\n"
    return head + b"\r\n" + body


class Front:
    """Accepts clients on ``listener`` and relays whole requests to ``backend_socket``."""

    def __init__(self, listener: socket.socket, backend_socket: str, limits: FrontLimits) -> None:
        self.listener = listener
        self.backend_socket = backend_socket
        self.limits = limits
        self.open_connections = 0

    async def run(self, stop: asyncio.Event) -> None:
        server = await asyncio.start_server(
            self._connection, sock=self.listener, limit=READ_CHUNK_BYTES
        )
        async with server:
            await stop.wait()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open_connections += 1
        try:
            if self.open_connections > self.limits.max_connections:
                await self._send(writer, error_response(503, b"/"))
                return
            await self._serve_one(reader, writer)
        except (ConnectionError, _ClientGone):
            pass
        except Exception:  # a bug here must not go unseen, nor stop the loop
            logger.exception("The front failed on a request.")
        finally:
            self.open_connections -= 1
            writer.close()

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = bytearray()  # the request line as received, for the target of a refusal
        target = b"/"
        try:
            async with asyncio.timeout(self.limits.read_timeout_ms / 1000):
                request = await self._read_request(reader, line)
            target = request.target
            peer = writer.get_extra_info("peername")
            client = peer[0] if isinstance(peer, tuple) else "unknown"
            answer = await self._relay(request, client)
        except _Refused as refused:
            answer = error_response(refused.status, refused.target or target)
        except TimeoutError:
            answer = error_response(408, _target_of(line))
        await self._send(writer, answer)

    async def _read_request(self, reader: asyncio.StreamReader, line: bytearray) -> _Request:
        limits = self.limits
        connection = h11.Connection(
            h11.SERVER,
            max_incomplete_event_size=limits.max_request_line_bytes + limits.max_header_bytes,
        )
        # ``line`` holds the request line until it is whole (see _ascii_target).
        line_done = False
        request: h11.Request | None = None
        body = bytearray()
        while True:
            try:
                event = connection.next_event()
            except h11.RemoteProtocolError as exc:
                raise _Refused(
                    exc.error_status_hint if exc.error_status_hint in REASONS else 400,
                    _target_of(line),
                ) from None
            if event is h11.NEED_DATA:
                data = await reader.read(READ_CHUNK_BYTES)
                if not data:
                    raise _ClientGone()
                if not line_done:
                    line += data
                    end = line.find(b"\n")
                    if (end if end >= 0 else len(line)) > limits.max_request_line_bytes:
                        raise _Refused(414, _target_of(line))
                    if end < 0:
                        continue
                    line_done = True
                    data = _ascii_target(bytes(line[:end])) + bytes(line[end:])
                connection.receive_data(data)
            elif isinstance(event, h11.Request):
                request = event
                header_bytes = sum(len(n) + len(v) + 4 for n, v in event.headers)
                if header_bytes > limits.max_header_bytes:
                    raise _Refused(431, event.target)
                declared = dict(event.headers).get(b"content-length")
                if declared is not None and int(declared) > limits.max_body_bytes:
                    raise _Refused(413, event.target)
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > limits.max_body_bytes:
                    raise _Refused(413, request.target if request else b"")
            elif isinstance(event, h11.EndOfMessage):
                assert request is not None
                return _Request(request.method, request.target, list(request.headers), bytes(body))
            else:  # ConnectionClosed before a whole request
                raise _ClientGone()

    def _framed(self, request: _Request, client: str) -> bytes:
        """The request as the workers get it: one connection, exact length, and the
        client's address added to X-Forwarded-For (the app trusts only that last entry)."""
        forwarded = [v for n, v in request.headers if n == b"x-forwarded-for"]
        forwarded.append(client.encode())
        lines = [request.method + b" " + request.target + b" HTTP/1.1"]
        lines += [n + b": " + v for n, v in request.headers if n not in HOP_BY_HOP]
        lines.append(b"x-forwarded-for: " + b", ".join(forwarded))
        lines.append(b"connection: close")
        if request.body:
            lines.append(b"content-length: %d" % len(request.body))
        return b"\r\n".join(lines) + b"\r\n\r\n" + request.body

    async def _relay(self, request: _Request, client: str) -> bytes:
        try:
            async with asyncio.timeout(self.limits.backend_timeout_ms / 1000):
                reader, writer = await self._connect_backend()
                try:
                    writer.write(self._framed(request, client))
                    await writer.drain()
                    answer = bytearray()
                    while chunk := await reader.read(READ_CHUNK_BYTES):
                        answer += chunk
                        if len(answer) > self.limits.max_response_bytes:
                            raise _Refused(502)
                finally:
                    writer.close()
        except TimeoutError:
            raise _Refused(504) from None
        except OSError:
            raise _Refused(502) from None
        if not answer:
            raise _Refused(502)
        return bytes(answer)

    async def _connect_backend(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        # While the workers start, the socket may not exist yet: wait (within the deadline).
        while True:
            try:
                return await asyncio.open_unix_connection(
                    self.backend_socket, limit=READ_CHUNK_BYTES
                )
            except (FileNotFoundError, ConnectionRefusedError):
                await asyncio.sleep(CONNECT_RETRY_S)

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        try:
            async with asyncio.timeout(self.limits.write_timeout_ms / 1000):
                writer.write(data)
                await writer.drain()
        except (TimeoutError, ConnectionError):
            pass


def run_front(
    listener: socket.socket,
    backend_socket: str,
    limits: FrontLimits,
    backend_pid: int,
    stop_grace_s: float = 15.0,
) -> int:
    """Serves until SIGINT/SIGTERM or until the workers' master exits, then stops the
    master (SIGTERM: gunicorn finishes the requests in hand) and returns its exit status."""
    front = Front(listener, backend_socket, limits)
    backend_status: list[int] = []
    stopped = threading.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        def wait_for_backend() -> None:
            _, status = os.waitpid(backend_pid, 0)
            backend_status.append(os.waitstatus_to_exitcode(status))
            stopped.set()
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop has already closed
                pass

        threading.Thread(target=wait_for_backend, daemon=True, name="backend-watch").start()
        await front.run(stop)

    try:
        import uvloop  # libuv's loop: the front's CPU per request fell from 0.55 to 0.40 ms
    except ImportError:
        asyncio.run(main())
    else:
        uvloop.run(main())
    if not stopped.is_set():
        os.kill(backend_pid, signal.SIGTERM)
        if not stopped.wait(stop_grace_s):
            os.kill(backend_pid, signal.SIGKILL)
            stopped.wait(5)
        return 0
    if backend_status[0] != 0:
        logger.error("The search workers' master exited with status %d.", backend_status[0])
    return backend_status[0]
