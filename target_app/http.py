"""Just enough HTTP/1.1 for the target: parse a request head, encode a response.

The server owns the socket (it must be able to close it abortively), so this
module only turns bytes into a ``Request`` and a ``Response`` into bytes.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

MAX_HEAD_BYTES = 16 * 1024  # request line + headers; larger -> 431
MAX_BODY_BYTES = 64 * 1024  # larger -> 413
METHODS = frozenset({"GET", "HEAD", "POST"})


class BadRequest(Exception):
    """A request the server answers with ``status`` and then closes the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class Request:
    method: str
    path: str
    query_string: str
    version: str  # HTTP/1.0 or HTTP/1.1
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    _cookies: dict[str, str] | None = field(default=None, repr=False)

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"

    @property
    def content_length(self) -> int:
        return int(self.headers.get("content-length", "0"))

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string))

    @property
    def form(self) -> dict[str, str]:
        """URL-encoded form fields of a POST body (undecodable bytes replaced)."""
        return dict(parse_qsl(self.body.decode("utf-8", "replace")))

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            jar: SimpleCookie = SimpleCookie()
            # A garbled Cookie header counts as no cookies rather than failing the request.
            with contextlib.suppress(CookieError):
                jar.load(self.headers.get("cookie", ""))
            self._cookies = {name: morsel.value for name, morsel in jar.items()}
        return self._cookies


def parse_head(head: bytes) -> Request:
    """A Request (without its body) from the bytes before the blank line; BadRequest if malformed."""
    try:
        text = head.decode("latin-1")
        request_line, *header_lines = text.split("\r\n")
        method, target, version = request_line.split(" ")
    except ValueError:
        raise BadRequest(400, "malformed request line") from None
    if version not in ("HTTP/1.1", "HTTP/1.0") or not target.startswith("/"):
        raise BadRequest(400, "expected METHOD /path HTTP/1.1")
    if method not in METHODS:
        raise BadRequest(405 if method.isalpha() and method.isupper() else 400, f"method {method[:20]!r}")
    headers = {}
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise BadRequest(400, "malformed header line")
        headers[name.lower()] = value.strip()
    if "transfer-encoding" in headers:
        raise BadRequest(411, "chunked bodies are not accepted; send Content-Length")
    length = headers.get("content-length", "0")
    if not length.isdigit():
        raise BadRequest(400, "Content-Length is not a number")
    if int(length) > MAX_BODY_BYTES:
        raise BadRequest(413, f"body larger than {MAX_BODY_BYTES} bytes")
    path, _, query_string = target.partition("?")
    return Request(method, path, query_string, version, headers)


@dataclass(frozen=True)
class Response:
    """A response whose fixed part is encoded once; per-request headers are added by ``encode``."""

    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    head: bytes = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lines = [
            f"HTTP/1.1 {self.status} {_reason(self.status)}",
            "Server: Microsoft-IIS/8.5",
            f"Content-Type: {self.content_type}",
            f"Content-Length: {len(self.body)}",
            *(f"{name}: {value}" for name, value in self.headers),
        ]
        object.__setattr__(self, "head", ("\r\n".join(lines) + "\r\n").encode("latin-1"))

    def encode(self, keep_alive: bool, extra_headers: bytes = b"", with_body: bool = True) -> bytes:
        """The bytes on the wire; ``extra_headers`` are complete ``Name: value\\r\\n`` lines."""
        connection = b"Connection: keep-alive\r\n\r\n" if keep_alive else b"Connection: close\r\n\r\n"
        return b"".join((self.head, extra_headers, connection, self.body if with_body else b""))


def redirect(location: str, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    return Response(302, b"", headers=(("Location", location), *headers))


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
