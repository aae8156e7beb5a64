"""Name the way a request failed: what an SRE reads in the report ("connection_reset", "http_503").

Every way a real server or proxy fails a request has its own kind: resets,
refusals, connect and read timeouts, TLS handshakes cut short or unanswered,
connections closed without a response, 5xx. A certificate or TLS protocol the
visitor refuses is ``tls_config``: the test's set-up, not the site's load.
``other`` is left for what no server does (a bug in a custom visitor).

``failure_kind(exc)`` gives one of :data:`KINDS`; ``failure_detail(exc)`` refines it
(``http_503``, ``connection_reset``, ``broken_pipe``, ``too_many_open_files``...).
Both also take the ``repr`` string Locust keeps for an error (its stats and the
reports workers send carry strings, not exceptions), so a master classifies the same.
"""

from __future__ import annotations

import errno
import re
from typing import ClassVar

KINDS = (
    "connection_reset",
    "connection_refused",
    "connect_timeout",
    "tls_handshake",  # the site reset, closed or left unanswered a TLS handshake: a site under load does
    "read_timeout",
    "connection_closed",  # closed (FIN) before a full response: a proxy out of connections, a killed worker
    "http_5xx",
    "http_4xx",
    "client_limit",
    "tls_config",  # a certificate not trusted or not for this name, no TLS version or cipher in common
    "other",
)

# Kinds that count against the site: all but the scenario's own mistakes (4xx), the load
# generator's limits (no free ports, too many open files) and a TLS set-up that cannot work.
SITE_FAILURES = tuple(kind for kind in KINDS if kind not in ("http_4xx", "client_limit", "tls_config"))
# ssl's errors that mean the peer went away mid-handshake, not that it refused our TLS.
_TLS_CLOSED = frozenset({"SSLEOFError", "SSLZeroReturnError", "SSLSyscallError"})
# OpenSSL's reasons (an SSLError's ``reason``) that name a configuration problem, and its detail.
_TLS_REASONS = (
    ("CERTIFICATE_REQUIRED", "client_certificate_required"),
    ("WRONG_VERSION_NUMBER", "not_tls"),  # the port answers something else than TLS (plain HTTP)
    ("RECORD_LAYER_FAILURE", "not_tls"),
    ("PACKET_LENGTH_TOO_LONG", "not_tls"),
)

# errno -> (kind, detail). EPIPE means the peer had already reset the socket we were writing to.
_ERRNO_KINDS: dict[int, tuple[str, str]] = {
    errno.ECONNRESET: ("connection_reset", "connection_reset"),
    errno.EPIPE: ("connection_reset", "broken_pipe"),
    errno.ECONNREFUSED: ("connection_refused", "connection_refused"),
    errno.ETIMEDOUT: ("connect_timeout", "connect_timeout"),  # the kernel gave up on the SYN
    errno.EADDRNOTAVAIL: ("client_limit", "no_free_ports"),
    errno.EADDRINUSE: ("client_limit", "no_free_ports"),
    errno.EMFILE: ("client_limit", "too_many_open_files"),
    errno.ENFILE: ("client_limit", "too_many_open_files"),
    errno.ENOBUFS: ("client_limit", "no_buffer_space"),
    errno.ENOMEM: ("client_limit", "out_of_memory"),
}
# The details of client_limit: what the generator ran out of.
CLIENT_LIMIT_DETAILS = frozenset(detail for kind, detail in _ERRNO_KINDS.values() if kind == "client_limit")


class HTTPStatusError(Exception):
    """A response whose status code counts as a failure (4xx, 5xx)."""

    def __init__(self, status: int, reason: str = "") -> None:
        super().__init__(status, reason)
        self.status = status
        self.reason = reason

    def __str__(self) -> str:
        return f"HTTP {self.status} {self.reason}".rstrip()


class EmptyResponse(ConnectionError):
    """The site closed the connection (FIN, not RST) before a complete response: a browser's blank page."""


class TlsHandshakeError(ConnectionError):
    """The site reset, closed or did not answer a TLS handshake in time: ``detail`` says which."""

    _WHAT: ClassVar[dict[str, str]] = {
        "tls_handshake_reset": "reset by the site",
        "tls_handshake_timeout": "unanswered within {timeout:g} s",
        "tls_handshake_closed": "closed by the site before it completed",
    }

    def __init__(self, detail: str, url: str = "", timeout: float = 0.0) -> None:
        # The detail leads the message: a master classifies the repr a worker's stats carry.
        super().__init__(f"{detail}: TLS handshake with {url} {self._WHAT[detail].format(timeout=timeout)}")
        self.detail = detail


def handshake_failure_detail(error: BaseException) -> str | None:
    """How a handshake failed at the site's end (``tls_handshake_reset``, ``..._timeout``,
    ``..._closed``); None when the visitor refused the site's TLS (its certificate, protocol)."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if "SSLError" in names and not names & _TLS_CLOSED:
        return None
    if isinstance(error, TimeoutError):
        return "tls_handshake_timeout"
    if isinstance(error, ConnectionResetError | BrokenPipeError):
        return "tls_handshake_reset"
    return "tls_handshake_closed"


def tls_config_detail(error: BaseException) -> str | None:
    """What a TLS error the visitor raised says is wrong with the set-up (``certificate_verify_failed``,
    ``hostname_mismatch``, ``client_certificate_required``, ``not_tls``, ``tls_protocol``); None if it
    is no such error."""
    names = {cls.__name__ for cls in type(error).__mro__}
    if "SSLError" not in names or names & _TLS_CLOSED:
        return None
    if "SSLCertVerificationError" in names:
        text = str(getattr(error, "verify_message", "") or error)
        return "hostname_mismatch" if "mismatch" in text else "certificate_verify_failed"  # name or IP
    reason = str(getattr(error, "reason", "") or error)
    return next((detail for key, detail in _TLS_REASONS if key in reason), "tls_protocol")


class ConnectTimeout(TimeoutError):
    """No TCP connection within the connect timeout (the site's accept queue is full, or it is gone)."""


class ReadTimeout(TimeoutError):
    """Connected and sent, but the response did not come within the read timeout."""


def failure_kind(exc: BaseException | str) -> str:
    """One of :data:`KINDS` for an exception raised by a request, or for Locust's repr of one."""
    return _classify(exc)[0]


def failure_detail(exc: BaseException | str) -> str:
    """The kind refined: ``http_503`` rather than ``http_5xx``, ``broken_pipe``, ``no_free_ports``..."""
    return _classify(exc)[1]


def _classify(exc: BaseException | str) -> tuple[str, str]:
    if isinstance(exc, str):
        return _classify_text(exc)
    for error in _chain(exc):
        found = _classify_one(error)
        if found is not None:
            return found
    return _classify_text(repr(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, what caused it, and exceptions wrapped in its args (as requests wraps urllib3's)."""
    seen: list[BaseException] = []
    pending = [exc]
    while pending and len(seen) < 16:
        error = pending.pop(0)
        if any(error is s for s in seen):
            continue
        seen.append(error)
        pending += [e for e in (error.__cause__, error.__context__) if e is not None]
        pending += [a for a in error.args if isinstance(a, BaseException)]
        reason = getattr(error, "reason", None)  # urllib3's MaxRetryError / NewConnectionError
        if isinstance(reason, BaseException):
            pending.append(reason)
    return seen


def _classify_one(error: BaseException) -> tuple[str, str] | None:
    status = _status_code(error)
    if status is not None:
        return _status_kind(status)
    if isinstance(error, TlsHandshakeError):
        return "tls_handshake", error.detail
    tls = tls_config_detail(error)
    if tls is not None:
        return "tls_config", tls
    if type(error).__name__ in _TLS_CLOSED:  # after the handshake: closed without a full response
        return "connection_closed", "empty_response"
    if isinstance(error, ConnectTimeout):
        return "connect_timeout", "connect_timeout"
    if isinstance(error, ReadTimeout):
        return "read_timeout", "read_timeout"
    if isinstance(error, EmptyResponse):
        return "connection_closed", "empty_response"
    name = type(error).__name__
    if name == "ConnectTimeout" or name == "ConnectTimeoutError":  # requests / urllib3
        return "connect_timeout", "connect_timeout"
    if isinstance(error, OSError) and error.errno in _ERRNO_KINDS:
        return _ERRNO_KINDS[error.errno]
    if isinstance(error, ConnectionResetError):
        return "connection_reset", "connection_reset"
    if isinstance(error, ConnectionRefusedError):
        return "connection_refused", "connection_refused"
    if isinstance(error, TimeoutError) or name in {"ReadTimeout", "ReadTimeoutError", "timeout"}:
        # A timeout of unknown phase: in practice the wait for a response.
        return "read_timeout", "read_timeout"
    return None


def _status_code(error: BaseException) -> int | None:
    """The HTTP status a failure carries: ours, geventhttpclient's BadStatusCode.code, requests' HTTPError."""
    if isinstance(error, HTTPStatusError):
        return error.status
    code = getattr(error, "code", None)
    if isinstance(code, int) and 400 <= code <= 599:
        return code
    response = getattr(error, "response", None)
    code = getattr(response, "status_code", None)
    if isinstance(code, int) and 400 <= code <= 599:
        return code
    return None


def _status_kind(status: int) -> tuple[str, str]:
    if 500 <= status <= 599:
        return "http_5xx", f"http_{status}"
    if 400 <= status <= 499:
        return "http_4xx", f"http_{status}"
    return "other", f"http_{status}"


_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], tuple[str, str]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), result)
    for pattern, result in (
        (r"tls_handshake_reset", ("tls_handshake", "tls_handshake_reset")),
        (r"tls_handshake_timeout", ("tls_handshake", "tls_handshake_timeout")),
        (r"tls_handshake_closed", ("tls_handshake", "tls_handshake_closed")),
        (r"(Hostname|IP address) mismatch", ("tls_config", "hostname_mismatch")),
        (r"CERTIFICATE_VERIFY_FAILED|SSLCertVerificationError", ("tls_config", "certificate_verify_failed")),
        (r"CERTIFICATE_REQUIRED", ("tls_config", "client_certificate_required")),
        (r"WRONG_VERSION_NUMBER|RECORD_LAYER_FAILURE|PACKET_LENGTH_TOO_LONG", ("tls_config", "not_tls")),
        (r"SSLEOFError|SSLZeroReturnError|SSLSyscallError", ("connection_closed", "empty_response")),
        (r"ConnectTimeout|connect(ion)? time[d ]?out", ("connect_timeout", "connect_timeout")),
        (r"ReadTimeout|read time[d ]?out|timed out", ("read_timeout", "read_timeout")),
        (
            r"Connection reset by peer|ConnectionResetError|ECONNRESET",
            ("connection_reset", "connection_reset"),
        ),
        (r"Broken pipe|BrokenPipeError", ("connection_reset", "broken_pipe")),
        (r"Connection refused|ConnectionRefusedError", ("connection_refused", "connection_refused")),
        (r"Cannot assign requested address|Address already in use", ("client_limit", "no_free_ports")),
        (r"Too many open files", ("client_limit", "too_many_open_files")),
        (r"EmptyResponse|closed the connection without", ("connection_closed", "empty_response")),
        (r"RemoteDisconnected|IncompleteRead|Server disconnected", ("connection_closed", "empty_response")),
        (r"SSLError\(|\[SSL: ", ("tls_config", "tls_protocol")),
    )
)
_TEXT_STATUS = re.compile(
    r"HTTPStatusError\((\d{3})|HTTP (\d{3})\b|code=(\d{3})|\b(\d{3}) (?:Client|Server) Error"
)


def _classify_text(text: str) -> tuple[str, str]:
    status = _TEXT_STATUS.search(text)
    if status is not None:
        return _status_kind(int(next(g for g in status.groups() if g)))
    for pattern, result in _TEXT_PATTERNS:
        if pattern.search(text):
            return result
    return "other", "other"
