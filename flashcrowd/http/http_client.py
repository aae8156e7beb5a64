"""A browser's view of HTTP: one keep-alive connection per visitor, cookies, redirects, no hidden retries.

geventhttpclient's ``HTTPClient.request`` (under Locust's ``FastHttpUser``) resends an
idempotent request after a reset and reports a reset as "connection closed.", which
hides exactly what a flash-crowd test looks for. :class:`Browser` reuses only its
C response parser and talks to the socket itself, so every failure surfaces once, as
the error the socket raised (``ConnectionResetError(104, 'Connection reset by peer')``),
or as ``classify.ConnectTimeout`` / ``classify.ReadTimeout``. On https:// a handshake the site
cut short or left unanswered is ``classify.TlsHandshakeError``; a certificate or protocol the
visitor refuses is the ``ssl.SSLError`` itself (a configuration problem, not the site's load).
A request that made a TLS handshake carries its time in its context (``TLS_HANDSHAKE_MS``), so
the report can say what share of latency the handshakes took.
"""

from __future__ import annotations

import errno
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import gevent.socket
import gevent.ssl
from geventhttpclient.response import HTTPResponse

from flashcrowd.http.classify import (
    ConnectTimeout,
    EmptyResponse,
    HTTPStatusError,
    ReadTimeout,
    TlsHandshakeError,
    handshake_failure_detail,
)
from flashcrowd.http.tls import TlsSettings
from flashcrowd.options import default

BLOCK_SIZE = 64 * 1024
MAX_REDIRECTS = 5
REDIRECT_CODES = frozenset((301, 302, 303, 307, 308))
USER_AGENT = "Mozilla/5.0 (flashcrowd load test)"
TLS_HANDSHAKE_MS = "tls_handshake_ms"  # a request's context: the TLS handshake it waited for, in ms

RequestListener = Callable[..., Any]  # Locust's events.request.fire signature


class _Response(HTTPResponse):
    """geventhttpclient's parser, counting body bytes instead of keeping them (a visitor never reads them)."""

    body_length = 0

    def _on_body(self, buf: bytearray) -> None:
        self.body_length += len(buf)


class Page:
    """What a request returned: final status, body bytes (over redirects) and the error, if it failed."""

    __slots__ = ("error", "length", "status")

    def __init__(self, status: int, length: int, error: BaseException | None) -> None:
        self.status = status
        self.length = length
        self.error = error

    @property
    def ok(self) -> bool:
        return self.error is None


class Browser:
    """One visitor's browser: a cookie jar and at most one connection to the site.

    The connection stays open while pages load and is closed when the visitor thinks
    longer than ``keepalive_idle_s`` (a browser or server would drop it by then), so
    thinking visitors hold no sockets. Every request fires ``on_request`` (Locust's
    ``events.request.fire``) exactly once, with the failure as ``exception``.
    """

    def __init__(
        self,
        base_url: str,
        on_request: RequestListener,
        *,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float = default("--connect-timeout"),
        read_timeout: float = default("--read-timeout"),
        keepalive_idle_s: float = default("--keepalive-idle"),
        address: tuple[Any, ...] | None = None,
        on_start: Callable[[Mapping[str, Any] | None], None] | None = None,
        tls: gevent.ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.on_request = on_request
        self.on_start = on_start
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.keepalive_idle_s = keepalive_idle_s
        self.address = address or resolve(base_url)
        self.cookies: dict[str, str] = {}
        self._sock: gevent.socket.socket | None = None
        self._tls_host = parts.hostname if parts.scheme == "https" else None
        # The process's shared context (locust_options.RunContext.tls_context), else the system's defaults.
        self._tls = (tls or TlsSettings().context()) if self._tls_host else None
        self._handshake_ms = 0.0  # TLS handshakes the current request waited for
        host = parts.netloc
        fixed = {"Host": host, "User-Agent": USER_AGENT, "Accept": "*/*", **(headers or {})}
        self._fixed_headers = "".join(f"{k}: {v}\r\n" for k, v in fixed.items())

    def request(
        self,
        method: str,
        path: str,
        *,
        name: str | None = None,
        form: Mapping[str, str] | None = None,
        context: dict[str, Any] | None = None,
    ) -> Page:
        """Load one page (following same-site redirects) and report it as one Locust request."""
        if self.on_start is not None:
            self.on_start(context)
        start_time = time.time()
        started = time.perf_counter()
        status, length, error = 0, 0, None
        self._handshake_ms = 0.0
        try:
            status, length = self._fetch(method, path, form)
        except (OSError, HTTPStatusError, EmptyResponse) as failure:
            error = failure
            self.close()  # a failed connection is never reused
        if self._handshake_ms:
            context = {**(context or {}), TLS_HANDSHAKE_MS: self._handshake_ms}
        self.on_request(
            request_type=method,
            name=name or path,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            response=None,
            context=context or {},
            exception=error,
            start_time=start_time,
            url=self.base_url + path,
        )
        return Page(status, length, error)

    def think(self, seconds: float) -> None:
        """Sleep as a reading visitor; drop the connection first if it would sit idle past keep-alive."""
        if seconds > self.keepalive_idle_s:
            self.close()
        if seconds > 0:
            gevent.sleep(seconds)

    def close(self) -> None:
        """Close the connection, if any; the next request opens a new one."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _fetch(self, method: str, path: str, form: Mapping[str, str] | None) -> tuple[int, int]:
        body = urlencode(form).encode() if form is not None else b""
        total = 0
        for _ in range(MAX_REDIRECTS + 1):
            response = self._exchange(method, path, body)
            total += response.body_length
            status = response.status_code
            location = response.get("location")
            if status not in REDIRECT_CODES or not isinstance(location, str):
                break
            target = urlsplit(location)
            if target.netloc and target.netloc != urlsplit(self.base_url).netloc:
                break  # a redirect off the site under test is not followed
            path = (target.path or "/") + (f"?{target.query}" if target.query else "")
            if status in (301, 302, 303):
                method, body = "GET", b""
        if status >= 400:
            raise HTTPStatusError(status, response.status_message or "")
        return status, total

    def _exchange(self, method: str, path: str, body: bytes) -> _Response:
        """Send one request on the visitor's connection (opening it if needed) and read the whole response."""
        sock = self._sock or self._connect()
        head = f"{method} {path} HTTP/1.1\r\n{self._fixed_headers}"
        if self.cookies:
            head += "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()) + "\r\n"
        if body or method == "POST":
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        response = _Response(method)
        try:
            while not response.message_complete:
                data = sock.recv(BLOCK_SIZE)
                response.feed(data)  # b"" tells the parser the peer closed (ends a close-delimited body)
                if not data and not response.message_complete:
                    raise EmptyResponse(
                        f"{method} {path}: the site closed the connection without a full response"
                    )
        except TimeoutError as timeout:
            raise ReadTimeout(f"{method} {path}: no response within {self.read_timeout:g} s") from timeout
        self._keep_cookies(response)
        if response.should_close():
            self.close()
        return response

    def _connect(self) -> gevent.socket.socket:
        family, kind, proto, _, sockaddr = self.address
        sock = gevent.socket.socket(family, kind, proto)
        sock.settimeout(self.connect_timeout)
        try:
            sock.connect(sockaddr)
        except TimeoutError as timeout:
            sock.close()
            raise ConnectTimeout(
                f"no connection to {self.base_url} within {self.connect_timeout:g} s"
            ) from timeout
        except OSError:
            sock.close()
            raise
        sock.setsockopt(gevent.socket.IPPROTO_TCP, gevent.socket.TCP_NODELAY, 1)
        if self._tls is not None:
            sock = self._handshake(sock)
        sock.settimeout(self.read_timeout)
        self._sock = sock
        return sock

    def _handshake(self, sock: gevent.socket.socket) -> gevent.ssl.SSLSocket:
        """The TLS connection over ``sock``, its handshake timed and bounded by the connect timeout."""
        assert self._tls is not None
        started = time.perf_counter()
        tls = self._tls.wrap_socket(sock, server_hostname=self._tls_host, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except OSError as error:
            tls.close()
            detail = handshake_failure_detail(error)
            if detail is None:
                raise  # a certificate or protocol the visitor refuses: the error says which
            raise TlsHandshakeError(detail, self.base_url, self.connect_timeout) from error
        finally:
            self._handshake_ms += (time.perf_counter() - started) * 1000
        return tls

    def _keep_cookies(self, response: _Response) -> None:
        for cookie in response.info().getlist("set-cookie"):
            name, _, rest = cookie.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0].strip()


def resolve(base_url: str) -> tuple[Any, ...]:
    """The socket address of ``base_url``, looked up once so visitors do not each ask DNS."""
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = gevent.socket.getaddrinfo(parts.hostname, port, 0, gevent.socket.SOCK_STREAM)
    if not infos:
        raise OSError(errno.EADDRNOTAVAIL, f"cannot resolve {parts.hostname}")
    return infos[0]
