"""serve on the open web: slow clients never hold a search worker, and the answers the
connection front gives itself (oversized or unfinished requests) are JSON under /api/."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

import pytest

from indexer import build_index, read_corpus
from indexer.messages import render

from .conftest import SHIPPED_CORPUS, make_settings, running_server

SLOW_CLIENTS = 50
NORMAL_CLIENTS = 8
REQUESTS_PER_CLIENT = 6


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("public")
    settings = make_settings(tmp_path)
    build_index(read_corpus(SHIPPED_CORPUS).documents, settings.index_dir, settings)
    return settings.index_dir


@pytest.fixture(scope="module")
def server(index_dir):
    # Unfinished requests are cut off after 3 s (default 10 s).
    with running_server(
        index_dir,
        {"CLIENT_READ_TIMEOUT_MS": "3000", "API_REQUESTS_PER_MINUTE": "0"},
        "--workers",
        "1",
        "--threads",
        "2",
    ) as base:
        yield base


def _drip(address: tuple[str, int], stop: threading.Event) -> None:
    """A slowloris client: one header byte a second, reconnecting whenever cut off."""
    while not stop.is_set():
        try:
            with socket.create_connection(address, timeout=5) as sock:
                sock.sendall(b"GET /?q=%EC%84%9C%EC%9A%B8 HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                while not stop.wait(1.0):
                    sock.sendall(b"a")
        except OSError:
            stop.wait(0.2)


def test_fifty_slow_clients_do_not_hold_the_search_workers(index_dir):
    # The slow clients are never cut off here: if any of them held one of the two search
    # threads, the normal searches behind them would never be answered. (How fast they
    # are answered depends on the machine: not a test.)
    with running_server(
        index_dir,
        {"CLIENT_READ_TIMEOUT_MS": "600000", "API_REQUESTS_PER_MINUTE": "0"},
        "--workers",
        "1",
        "--threads",
        "2",
    ) as base:
        _searches_beside_slow_clients(base)


def _searches_beside_slow_clients(server: str) -> None:
    parts = urlsplit(server)
    address = (parts.hostname, parts.port)
    stop = threading.Event()
    drips = [
        threading.Thread(target=_drip, args=(address, stop), daemon=True)
        for _ in range(SLOW_CLIENTS)
    ]
    for drip in drips:
        drip.start()
    time.sleep(2.0)  # every slow client is connected and dripping
    answered: list[str] = []
    failures: list[str] = []

    def normal_client(number: int) -> None:
        for request in range(REQUESTS_PER_CLIENT):
            url = f"{server}/api/search?q={quote('서울 ' + str(number * 100 + request))}"
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    answered.append(str(json.load(response)["total"]))
            except OSError as exc:
                failures.append(f"{url}: {exc}")

    clients = [threading.Thread(target=normal_client, args=(n,)) for n in range(NORMAL_CLIENTS)]
    try:
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=120)
    finally:
        stop.set()
    assert not failures
    assert len(answered) == NORMAL_CLIENTS * REQUESTS_PER_CLIENT


def test_a_request_that_stops_halfway_is_answered_408_and_closed(server):
    parts = urlsplit(server)
    # The socket's own timeout (60 s) guards against a server that never answers.
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\n")  # no blank line: unfinished
        answer = _read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(body)["status"] == 408 and json.loads(body)["code"] == "http_408"


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_an_overlong_address_is_a_json_414_on_the_api_in_the_api_error_shape(server):
    status, headers, body = _fetch(f"{server}/api/search?q={'x' * 40_000}")
    assert status == 414
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(body)
    assert answer == {
        "error": render("http_414", "en"),
        "code": "http_414",
        "params": {},
        "status": 414,
    }


def test_the_fronts_refusals_speak_the_language_the_request_asks_for(server):
    status, _, body = _fetch(f"{server}/api/search?hl=ko&q={'x' * 40_000}")
    assert status == 414 and json.loads(body)["error"] == render("http_414", "ko")
    status, _, body = _fetch(f"{server}/?hl=en&q={'x' * 40_000}")
    assert status == 414 and render("http_414", "en") in body.decode()
    status, _, body = _fetch(f"{server}/?q={'x' * 40_000}")  # a page: Korean by default
    assert status == 414 and render("http_414", "ko") in body.decode()


def test_oversized_headers_are_a_json_431_on_the_api(server):
    status, _, body = _fetch(f"{server}/api/search?q=x&hl=ko", {"X-Big": "y" * 40_000})
    assert status == 431
    answer = json.loads(body)
    assert answer["status"] == 431 and answer["code"] == "http_431"
    assert answer["error"] == render("http_431", "ko")


def test_a_korean_query_at_max_query_chars_reaches_the_app(server):
    # 500 Hangul syllables are 4,500 bytes percent-encoded: within the front's limit.
    query = "서울" * 250
    status, _, body = _fetch(f"{server}/api/search?q={quote(query)}&category={quote('복지')}")
    assert status == 200
    assert json.loads(body)["query"] == query


def test_unencoded_utf8_addresses_are_accepted(server):
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall("GET /api/search?q=서울 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        head, _, body = _read_all(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body)["query"] == "서울"


def test_an_ambiguous_frame_reaches_the_workers_as_one_request(server):
    # Content-Length and chunked together, with a second request hidden after the chunks:
    # the front parses the first, re-frames it for the workers and answers it alone.
    parts = urlsplit(server)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(
            b"GET /api/search?q=x HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            b"GET /api/doc/hidden HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        answer = _read_all(sock)
    assert answer.count(b"HTTP/1.1 ") == 1
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_without_the_front_gunicorn_serves_the_port_itself(index_dir):
    # For deployments behind nginx, which buffers whole requests itself.
    with running_server(
        index_dir, {"API_REQUESTS_PER_MINUTE": "0"}, "--no-front", "--workers", "1"
    ) as base:
        query = "서울" * 250
        status, _, body = _fetch(f"{base}/api/search?q={quote(query)}")
        assert status == 200 and json.loads(body)["query"] == query
        # gunicorn answers an overlong line itself (the front's JSON 414 is not there).
        status, headers, _ = _fetch(f"{base}/api/search?q={'x' * 40_000}")
        assert status in (400, 414) and headers["Content-Type"] != "application/json"
