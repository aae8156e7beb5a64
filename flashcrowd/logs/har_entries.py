"""A HAR 1.2 file read as typed exchanges: every value used is checked, a wrong one is a one-line error.

Only what ``har.py`` needs is read: each entry's start, duration, page
reference, request (method, URL, Sec-Fetch-Dest header, form) and response
(status, content type, redirect). A value of the wrong type, anywhere, raises
ConfigError naming the file, the key (``log.entries[3].response.status``) and
what was expected.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

from flashcrowd_common.errors import ConfigError

MAX_BYTES = 512 * 1024 * 1024  # a recording larger than this is refused before it is read
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as the browser recorded it."""

    index: int  # in log.entries
    method: str
    url: str
    status: int  # 0: the browser got no answer
    mime: str  # the response's content type, lower case
    started: float  # POSIX seconds
    ended: float
    pageref: str | None
    redirect: str | None  # the absolute URL a 3xx sends the browser to
    form: dict[str, str] | None  # the fields of a form POST
    dest: str  # the Sec-Fetch-Dest request header, lower case ("" when not recorded)

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    @property
    def target(self) -> str:
        """The path with its query string."""
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    @property
    def answered_html(self) -> bool:
        """Whether it answered with an HTML page (2xx, or 304: the browser's copy is still good)."""
        html = self.mime.startswith(("text/html", "application/xhtml"))
        return html and (200 <= self.status < 300 or self.status == 304)


class _Checker:
    """Typed access to parsed JSON; each wrong value is a ConfigError naming its key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, expected: str) -> ConfigError:
        return ConfigError(self.path, None, key, expected)

    def get(self, parent: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...],
            expected: str, default: Any = None) -> Any:  # fmt: skip
        value = parent.get(key)
        if value is None:  # absent, or null: what a recorder writes for "not recorded"
            return default
        if not isinstance(value, kind) or isinstance(value, bool):
            key = f"{where}.{key}" if where else key
            raise self.fail(key, f"expected {expected}, got {json.dumps(value)[:40]}")
        return value

    def number(self, parent: dict[str, Any], key: str, where: str) -> float:
        value = self.get(parent, key, where, (int, float), "a number of milliseconds", 0)
        if not math.isfinite(value):
            raise self.fail(f"{where}.{key}", "expected a finite number of milliseconds")
        return max(float(value), 0.0)

    def moment(self, entry: dict[str, Any], where: str) -> float:
        text = self.get(entry, "startedDateTime", where, str, "an ISO 8601 date and time")
        if text is None:
            raise self.fail(f"{where}.startedDateTime", "expected an ISO 8601 date and time")
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(
                f"{where}.startedDateTime", f"expected an ISO 8601 date and time, got {text!r}"
            ) from None
        if moment.tzinfo is None:
            raise self.fail(f"{where}.startedDateTime", f"expected a time zone (Z or +hh:mm), got {text!r}")
        return moment.timestamp()

    def headers(self, message: dict[str, Any], where: str) -> dict[str, str]:
        """Header name (lower case) -> value, the first of each name."""
        found: dict[str, str] = {}
        headers = self.get(message, "headers", where, list, "a list of {name, value}", [])
        for h, header in enumerate(headers):
            at = f"{where}.headers[{h}]"
            if not isinstance(header, dict):
                raise self.fail(at, "expected {name, value}")
            name = self.get(header, "name", at, str, "a string", "")
            found.setdefault(name.lower(), self.get(header, "value", at, str, "a string", ""))
        return found

    def form(self, request: dict[str, Any], where: str) -> dict[str, str] | None:
        post = self.get(request, "postData", where, dict, "an object {mimeType, params or text}")
        if not post:
            return None
        where = f"{where}.postData"
        mime = self.get(post, "mimeType", where, str, "a string", "").lower()
        params = self.get(post, "params", where, list, "a list of {name, value}", [])
        fields = {}
        for p, param in enumerate(params):
            at = f"{where}.params[{p}]"
            if not isinstance(param, dict):
                raise self.fail(at, "expected {name, value}")
            fields[self.get(param, "name", at, str, "a string", "")] = self.get(
                param, "value", at, str, "a string", ""
            )
        text = self.get(post, "text", where, str, "a string", "")
        if not fields and mime.startswith(FORM_TYPES[0]):
            fields = dict(parse_qsl(text, keep_blank_values=True))
        return fields if fields or mime.startswith(FORM_TYPES) else None

    def url(self, request: dict[str, Any], where: str) -> str:
        url = self.get(request, "url", where, str, "an absolute http(s) URL")
        try:
            parts = urlsplit(url or "")
            parts.port  # noqa: B018 -- raises ValueError on a port out of range
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.fail(f"{where}.url", f"expected an absolute http(s) URL, got {json.dumps(url)[:60]}")
        return url

    def exchange(self, index: int, entry: Any) -> Exchange:
        where = f"log.entries[{index}]"
        if not isinstance(entry, dict):
            raise self.fail(where, "expected an object {startedDateTime, time, request, response}")
        started = self.moment(entry, where)
        request = self.get(entry, "request", where, dict, "an object {method, url}")
        response = self.get(entry, "response", where, dict, "an object {status, content}", {})
        if request is None:
            raise self.fail(f"{where}.request", "expected an object {method, url}")
        at_request, at_response = f"{where}.request", f"{where}.response"
        url = self.url(request, at_request)
        status = self.get(response, "status", at_response, int, "an HTTP status (a whole number)", 0)
        content = self.get(response, "content", at_response, dict, "an object {mimeType}", {})
        redirect = self.get(response, "redirectURL", at_response, str, "a string", "")
        redirect = redirect or self.headers(response, at_response).get("location", "")
        return Exchange(
            index=index,
            method=self.get(request, "method", at_request, str, "an HTTP method", "GET").upper(),
            url=url,
            status=status,
            mime=self.get(content, "mimeType", f"{at_response}.content", str, "a string", "").lower(),
            started=started,
            ended=started + self.number(entry, "time", where) / 1000,
            pageref=self.get(entry, "pageref", where, str, "a page id (a string)") or None,
            redirect=urljoin(url, redirect) if redirect and status in REDIRECTS else None,
            form=self.form(request, at_request),
            dest=self.headers(request, at_request).get("sec-fetch-dest", "").lower(),
        )


def _load(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConfigError(
                path, None, "file", f"expected a HAR file under {MAX_BYTES >> 20} MB, got {size >> 20} MB"
            )
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise ConfigError(path, None, "file", f"expected a readable HAR file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(path, None, "file", "expected a HAR file (UTF-8 JSON)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(path, error.lineno, "json", f"expected a HAR file (JSON): {error.msg}") from None
    except RecursionError:
        raise ConfigError(
            path, None, "json", "expected a HAR file (JSON nested less than 1,000 deep)"
        ) from None


def read_exchanges(path: Path) -> list[Exchange]:
    """The recording's exchanges in the order they started; ConfigError (one line) if it is not HAR 1.2."""
    data = _load(path)
    check = _Checker(path)
    if not isinstance(data, dict):
        raise check.fail("log", "expected a HAR 1.2 file: an object {log: {entries: [...]}}")
    log = check.get(data, "log", "", dict, "an object {entries: [...]}", {})
    entries = check.get(log, "entries", "log", list, "a non-empty list of entries", [])
    if not entries:
        raise check.fail("log.entries", "expected a HAR 1.2 file with a non-empty list of entries")
    check.get(log, "pages", "log", list, "a list of pages", [])
    exchanges = [check.exchange(index, entry) for index, entry in enumerate(entries)]
    return sorted(exchanges, key=lambda exchange: (exchange.started, exchange.index))
