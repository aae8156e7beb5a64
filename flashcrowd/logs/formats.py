"""Access-log lines (nginx, Apache, IIS) read into hits: who asked, when, for what, and what they got.

``line_parser(FORMAT)`` gives a function from one decoded line to a Hit, to a
short reason why the line is not one, or to None for a directive (``#Fields:``).
FORMAT is ``combined`` (the default of nginx and Apache), ``common`` (no referrer
or user agent), ``w3c`` (IIS W3C extended: its ``#Fields:`` directive names the
fields), ``auto`` (any of these, line by line), an nginx ``log_format`` string
(``$remote_addr - $remote_user [$time_local] "$request" ...``) or an Apache
``LogFormat`` string (``%h %l %u %t "%r" %>s %b "%{User-Agent}i"``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

PRESETS = {
    "combined": '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
    '"$http_referer" "$http_user_agent"',
    "common": '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent',
}
FORMAT_HELP = (
    "combined, common, w3c (IIS), auto, an nginx log_format string ($remote_addr ... [$time_local] "
    '"$request" ...) '
    'or an Apache LogFormat string (%h %l %u %t "%r" %>s %b ...)'
)
QUOTED = r'(?:[^"\\]|\\.)*'
# The fields a hit needs, by nginx variable and by Apache directive.
FIELDS = {
    "$remote_addr": "address", "%h": "address", "%a": "address",
    "$time_local": "time", "%t": "time",
    "$request": "request", "%r": "request",
    "$status": "status", "%>s": "status", "%s": "status",
    "$http_user_agent": "agent", "%{user-agent}i": "agent",
    "$sent_http_content_type": "content_type", "%{content-type}o": "content_type",
}  # fmt: skip
# IIS W3C extended fields (https://learn.microsoft.com/en-us/windows/win32/http/w3c-logging).
W3C_FIELDS = {
    "date": "date", "time": "clock", "c-ip": "address", "cs-method": "method", "cs-uri-stem": "stem",
    "cs-uri-query": "query", "sc-status": "status", "cs(user-agent)": "agent",
    "sc(content-type)": "content_type",
}  # fmt: skip
AUTO = re.compile(
    rf'^(?P<address>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>{QUOTED})" (?P<status>\d{{3}}) \S+'
    rf'(?: "{QUOTED}" "(?P<agent>{QUOTED})")?'
)
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, 1)}


@dataclass(frozen=True, slots=True, order=True)
class Hit:
    address: str
    at: float  # POSIX seconds
    utc_offset_s: int  # the log's own offset, e.g. -18000 for -0500
    method: str
    path: str
    status: int
    agent: str
    content_type: str = ""  # the response's, when the log has it


def client_address(text: str) -> str:
    """An address as the GeoIP database reads it: ``[2001:db8::1]`` and ``::ffff:1.2.3.4`` (IPv4 mapped
    into IPv6, as Node writes it) become ``2001:db8::1`` and ``1.2.3.4``; anything else is kept."""
    text = text.strip().strip("[]")
    if text[:7].lower() == "::ffff:" and "." in text:
        return text[7:]
    return text


def first_public(field: str) -> str | None:
    """The first public address in a header's comma-separated list (X-Forwarded-For), or None."""
    for part in field.split(","):
        part = part.strip()
        if part.count(":") == 1:  # an IPv4 address with a port
            part = part.split(":", 1)[0]
        elif part.startswith("[") and "]" in part:  # [IPv6]:port
            part = part[1 : part.index("]")]
        address = client_address(part)
        try:
            if ipaddress.ip_address(address).is_global:
                return address
        except ValueError:
            continue
    return None


def _field_tokens(header: str) -> tuple[str, str]:
    """A request header's nginx variable and Apache directive: X-Forwarded-For -> $http_x_forwarded_for,
    %{x-forwarded-for}i (lower case: Apache's directives are compared case-insensitively)."""
    return "$http_" + header.lower().replace("-", "_"), "%{" + header.lower() + "}i"


class FormatError(ValueError):
    """A --format that cannot be read; the message says what was expected."""


def _pattern(log_format: str, client_field: str | None) -> re.Pattern[str]:
    """A regex with the named groups address, time, request, status (and agent, content_type, client)."""
    token = re.compile(r"\$[a-z_0-9]+|%\{[^}]+\}[ioCe]|%>?[a-zA-Z]")
    fields = dict(FIELDS)
    if client_field:
        fields.update(dict.fromkeys(_field_tokens(client_field), "client"))
    parts, end, seen = [], 0, set()
    for match in token.finditer(log_format):
        parts.append(re.escape(log_format[end : match.start()]))
        text = match.group()
        name = fields.get(text.lower() if text.startswith("%{") else text)
        quoted = match.start() > 0 and log_format[match.start() - 1] == '"'
        bracketed = name == "time" and match.group() == "%t"
        if name and name not in seen:
            seen.add(name)
            body = r"[^\]]+" if name == "time" else QUOTED if quoted else r"\S+"
            parts.append(rf"\[(?P<time>{body})\]" if bracketed else f"(?P<{name}>{body})")
        else:
            parts.append(QUOTED if quoted else r"\S*")
        end = match.end()
    parts.append(re.escape(log_format[end:]))
    missing = {"address", "time", "request", "status"} - seen
    if missing:
        raise FormatError(f"expected {FORMAT_HELP}; this one has no {', '.join(sorted(missing))}")
    if client_field and "client" not in seen:
        nginx, apache = _field_tokens(client_field)
        raise FormatError(
            f"--client-address {client_field}: the format has no such field; expected a --format with "
            f"{nginx} (nginx) or {apache} (Apache)"
        )
    return re.compile("^" + "".join(parts))


_midnights: dict[str, float] = {}


def parse_time(text: str) -> tuple[float, int]:
    """``10/Oct/2000:13:55:36 -0700`` -> (POSIX seconds, UTC offset in seconds); ValueError otherwise."""
    day_part, offset = text[:11], text[21:]
    sign = -1 if offset[:1] == "-" else 1
    offset_s = sign * (int(offset[1:3]) * 3600 + int(offset[3:5]) * 60) if len(offset) == 5 else None
    if offset_s is None or text[11] != ":" or text[20] != " ":
        raise ValueError(text)
    midnight = _midnights.get(day_part)
    if midnight is None:
        day, month, year = int(day_part[:2]), MONTHS[day_part[3:6]], int(day_part[7:11])
        midnight = datetime(year, month, day, tzinfo=UTC).timestamp()
        if len(_midnights) > 10_000:
            _midnights.clear()
        _midnights[day_part] = midnight
    seconds = int(text[12:14]) * 3600 + int(text[15:17]) * 60 + int(text[18:20])
    return midnight + seconds - offset_s, offset_s


def _address(groups: dict[str, str | None]) -> str:
    """The client: the named header field's first public address when it has one, else the peer's."""
    forwarded = groups.get("client")
    return (forwarded and first_public(forwarded)) or client_address(groups["address"] or "")


def _hit(groups: dict[str, str | None]) -> Hit | str:
    request = (groups["request"] or "").split(" ")
    if len(request) != 3 or not request[1].startswith("/") or not request[2].startswith("HTTP/"):
        return "no request line (METHOD /path HTTP/x)"
    try:
        at, offset_s = parse_time(groups["time"] or "")
    except (ValueError, KeyError, IndexError):
        return "no time like [10/Oct/2000:13:55:36 -0700]"
    status = groups["status"] or ""
    if not status.isdigit():
        return "no status code"
    return Hit(
        _address(groups), at, offset_s, request[0], request[1], int(status), groups.get("agent") or "",
        groups.get("content_type") or "",
    )  # fmt: skip


class W3CParser:
    """IIS W3C extended lines: each ``#Fields:`` directive says which space-separated field is which.
    Times are UTC; ``-`` is an empty field; a ``+`` in the user agent is a space."""

    def __init__(self, client_field: str | None) -> None:
        self.client = client_field.lower() if client_field else None
        self.names: list[str | None] | None = None

    def directive(self, line: str) -> None:
        if line.startswith("#Fields:"):
            names = line[len("#Fields:") :].split()
            fields = dict(W3C_FIELDS)
            if self.client:
                fields.update({self.client: "client", f"cs({self.client})": "client"})
            self.names = [fields.get(name.lower()) for name in names]

    def __call__(self, line: str) -> Hit | str | None:
        if line.startswith("#"):
            self.directive(line)
            return None
        if self.names is None:
            return "a W3C line before any #Fields: directive"
        values = line.split(" ")
        if len(values) != len(self.names):
            return f"{len(values)} fields where #Fields: names {len(self.names)}"
        got = {
            name: (value if value != "-" else "")
            for name, value in zip(self.names, values, strict=True)
            if name
        }
        try:
            moment = datetime.fromisoformat(f"{got['date']}T{got['clock']}").replace(tzinfo=UTC)
        except (KeyError, ValueError):
            return "no date and time like 2016-11-08 23:00:01"
        status = got.get("status", "")
        if not status.isdigit() or not got.get("stem", "").startswith("/") or not got.get("method"):
            return "no cs-method, cs-uri-stem or sc-status"
        path = got["stem"] + (f"?{got['query']}" if got.get("query") else "")
        agent = got.get("agent", "").replace("+", " ")
        return Hit(
            _address(got), moment.timestamp(), 0, got["method"], path, int(status), agent,
            got.get("content_type", ""),
        )  # fmt: skip


def line_parser(log_format: str, client_field: str | None = None) -> Callable[[str], Hit | str | None]:
    """A parser for lines in ``log_format``: each line gives a Hit, the reason it is not one, or None for
    a W3C directive. ``client_field`` names the request header (X-Forwarded-For) that holds the client."""
    w3c = W3CParser(client_field)
    if log_format == "w3c":
        return w3c
    auto = log_format == "auto"
    pattern = AUTO if auto else _pattern(PRESETS.get(log_format, log_format), client_field)
    named = log_format if log_format in (*PRESETS, "auto") else "given"

    def parse(line: str) -> Hit | str | None:
        if auto and (line.startswith("#") or w3c.names is not None):
            return w3c(line)  # an IIS log: its #Fields: directive comes first
        if auto and client_field:
            return f"--client-address {client_field} needs a --format naming that field"
        match = pattern.match(line)
        if match is None:
            return f"does not match the {named} format"
        return _hit(match.groupdict())

    return parse
