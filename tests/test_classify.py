"""Every failure kind, produced where feasible by a real socket on 127.0.0.1."""

from __future__ import annotations

import errno
import resource
import socket
import struct

import pytest
from loadgen_helpers import tiny_site
from ports import closed_port

from flashcrowd.http.classify import (
    KINDS,
    SITE_FAILURES,
    ConnectTimeout,
    EmptyResponse,
    HTTPStatusError,
    ReadTimeout,
    failure_detail,
    failure_kind,
)
from flashcrowd.http.http_client import Browser
from flashcrowd.results.analysis import FAILED_REQUESTS

# Written out here, not read from classify.py, so that a kind added, dropped or moved between the
# site's failures and the rest shows up as a failing test: reports and find-break count by these.
EVERY_KIND = (
    "connection_reset",
    "connection_refused",
    "connect_timeout",
    "tls_handshake",
    "read_timeout",
    "connection_closed",
    "http_5xx",
    "http_4xx",
    "client_limit",
    "tls_config",
    "other",
)
# 4xx are the scenario's mistakes, client_limit the load generator's and tls_config the set-up's (a
# certificate not trusted): none counts against the site.
AGAINST_THE_SITE = {
    "connection_reset",
    "connection_refused",
    "connect_timeout",
    "tls_handshake",
    "read_timeout",
    "connection_closed",
    "http_5xx",
    "other",
}


def _raised(action) -> BaseException:
    try:
        action()
    except OSError as error:
        return error
    raise AssertionError("expected the socket operation to fail")


def _resetting_server() -> socket.socket:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)
    return server


def test_a_reset_from_the_peer_is_connection_reset():
    server = _resetting_server()
    client = socket.create_connection(server.getsockname(), timeout=5)
    accepted, _ = server.accept()
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN, as an overloaded server does.
    accepted.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    accepted.close()
    error = _raised(lambda: client.recv(10))
    client.close()
    server.close()
    assert isinstance(error, ConnectionResetError)
    assert failure_kind(error) == "connection_reset"
    assert failure_detail(error) == "connection_reset"


def test_a_closed_port_is_connection_refused():
    error = _raised(lambda: socket.create_connection(("127.0.0.1", closed_port()), timeout=5))
    assert failure_kind(error) == "connection_refused"


def test_running_out_of_file_descriptors_is_a_client_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    opened: list[socket.socket] = []
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, hard))
    try:
        error = _raised(lambda: [opened.append(socket.socket()) for _ in range(100)])
    finally:
        for sock in opened:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert isinstance(error, OSError) and error.errno == errno.EMFILE
    assert failure_kind(error) == "client_limit"
    assert failure_detail(error) == "too_many_open_files"


@pytest.mark.parametrize(
    ("error", "kind", "detail"),
    [
        (HTTPStatusError(503, "Service Unavailable"), "http_5xx", "http_503"),
        (HTTPStatusError(500), "http_5xx", "http_500"),
        (HTTPStatusError(404, "Not Found"), "http_4xx", "http_404"),
        (ConnectTimeout("connect timed out"), "connect_timeout", "connect_timeout"),
        (ReadTimeout("read timed out"), "read_timeout", "read_timeout"),
        (TimeoutError("timed out"), "read_timeout", "read_timeout"),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), "connection_reset", "broken_pipe"),
        (OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"), "client_limit", "no_free_ports"),
        (EmptyResponse("GET /: the site closed the connection"), "connection_closed", "empty_response"),
        (ValueError("something else"), "other", "other"),
    ],
)
def test_each_exception_maps_to_its_kind(error, kind, detail):
    assert failure_kind(error) == kind
    assert failure_detail(error) == detail
    assert failure_detail(repr(error)) == detail  # a master sees only the repr a worker sent


def test_errors_wrapped_by_other_clients_are_unwrapped():
    import requests  # here, not at collection: Locust must monkey-patch ssl before requests loads it

    reset = ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
    wrapped = requests.exceptions.ConnectionError(reset)
    assert failure_kind(wrapped) == "connection_reset"
    response = requests.Response()
    response.status_code = 502
    assert failure_detail(requests.exceptions.HTTPError("bad gateway", response=response)) == "http_502"
    try:
        try:
            raise reset
        except ConnectionResetError as inner:
            raise RuntimeError("request failed") from inner
    except RuntimeError as outer:
        assert failure_kind(outer) == "connection_reset"


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("ConnectionResetError(104, 'Connection reset by peer')", "connection_reset"),
        ("ConnectionRefusedError(111, 'Connection refused')", "connection_refused"),
        ("HTTPStatusError(503, 'Service Unavailable')", "http_503"),
        ("LocustBadStatusCode(code=429)", "http_429"),
        ("ConnectTimeout('connect timed out')", "connect_timeout"),
        ("OSError(24, 'Too many open files')", "too_many_open_files"),
        ("CatchResponseError('unexpected body')", "other"),
    ],
)
def test_the_repr_locust_keeps_classifies_like_the_exception(text, detail):
    assert failure_detail(text) == detail


def test_a_connection_closed_without_a_response_is_connection_closed():
    """What nginx does when it runs out of worker_connections: read the request, close with FIN."""
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)

    def close_after_reading() -> None:
        accepted, _ = server.accept()
        accepted.recv(65536)
        accepted.close()

    closer = threading.Thread(target=close_after_reading, daemon=True)
    closer.start()
    seen: list[BaseException | None] = []
    host, port = server.getsockname()
    browser = Browser(f"http://{host}:{port}", lambda **event: seen.append(event["exception"]))
    browser.request("GET", "/")
    closer.join(5)
    server.close()
    assert failure_kind(seen[0]) == "connection_closed"
    assert failure_detail(repr(seen[0])) == "empty_response"


@pytest.mark.parametrize(
    ("status", "kind", "detail"),
    [
        ("503 Service Unavailable", "http_5xx", "http_503"),
        ("500 Internal Server Error", "http_5xx", "http_500"),
        ("404 Not Found", "http_4xx", "http_404"),
    ],
)
def test_a_real_error_status_is_its_http_kind(status, kind, detail):
    seen: list[BaseException | None] = []
    with tiny_site(status) as (url, _):
        Browser(url, lambda **event: seen.append(event["exception"])).request("GET", "/")
    assert failure_kind(seen[0]) == kind
    assert failure_detail(seen[0]) == detail


def test_the_kinds_and_those_that_count_against_the_site():
    assert KINDS == EVERY_KIND
    assert set(SITE_FAILURES) == AGAINST_THE_SITE


def test_find_break_counts_the_same_kinds_against_the_site_as_the_report():
    counted = [kind for kinds in FAILED_REQUESTS.values() for kind in kinds]
    assert sorted(counted) == sorted(AGAINST_THE_SITE)  # each once: none counted twice, none forgotten
