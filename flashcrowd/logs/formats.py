"""Access-log lines (nginx, Apache) read into hits: who asked, when, for what, and what they got.

``line_parser(FORMAT)`` gives a function from one decoded line to a Hit, or to a
short reason why the line is not one. FORMAT is ``combined`` (the default of both
servers), ``common`` (no referrer or user agent), ``auto`` (either, line by line),
an nginx ``log_format`` string (``$remote_addr - $remote_user [$time_local] "$request" ...``)
or an Apache ``LogFormat`` string (``%h %l %u %t "%r" %>s %b "%{User-Agent}i"``).
"""

from __future__ import annotations

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
    'combined, common, auto, an nginx log_format string ($remote_addr ... [$time_local] "$request" ...) '
    'or an Apache LogFormat string (%h %l %u %t "%r" %>s %b ...)'
)
QUOTED = r'(?:[^"\\]|\\.)*'
# The fields a hit needs, by nginx variable and by Apache directive.
FIELDS = {
    "$remote_addr": "address", "%h": "address", "%a": "address",
    "$time_local": "time", "%t": "time",
    "$request": "request", "%r": "request",
    "$status": "status", "%>s": "status", "%s": "status",
    "$http_user_agent": "agent", "%{User-Agent}i": "agent", "%{User-agent}i": "agent",
}  # fmt: skip
AUTO = re.compile(
    rf'^(?P<address>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>{QUOTED})" (?P<status>\d{{3}}) \S+'
    rf'(?: "{QUOTED}" "(?P<agent>{QUOTED})")?'
)
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, 1)}


@dataclass(frozen=True, slots=True)
class Hit:
    address: str
    at: float  # POSIX seconds
    utc_offset_s: int  # the log's own offset, e.g. -18000 for -0500
    method: str
    path: str
    status: int
    agent: str


class FormatError(ValueError):
    """A --format that cannot be read; the message says what was expected."""


def _pattern(log_format: str) -> re.Pattern[str]:
    """A regex with the named groups address, time, request, status (and agent) for a format string."""
    token = re.compile(r"\$[a-z_0-9]+|%\{[^}]+\}[ioCe]|%>?[a-zA-Z]")
    parts, end, seen = [], 0, set()
    for match in token.finditer(log_format):
        parts.append(re.escape(log_format[end : match.start()]))
        name = FIELDS.get(match.group())
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
        groups["address"] or "", at, offset_s, request[0], request[1], int(status), groups.get("agent") or ""
    )


def line_parser(log_format: str) -> Callable[[str], Hit | str]:
    """A parser for lines in ``log_format``: each line gives a Hit or the reason it is not one."""
    pattern = AUTO if log_format == "auto" else _pattern(PRESETS.get(log_format, log_format))

    def parse(line: str) -> Hit | str:
        match = pattern.match(line)
        if match is None:
            return f"does not match the {log_format if log_format in (*PRESETS, 'auto') else 'given'} format"
        return _hit(match.groupdict())

    return parse
