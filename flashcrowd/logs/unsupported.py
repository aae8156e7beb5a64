"""The name of a log format from-log does not read, guessed from a file's first line, for its error."""

from __future__ import annotations

import re

KNOWN = (
    (re.compile(r"^\s*[{\[]"), "JSON lines"),
    (re.compile(r"^(?:https?|h2|ws|wss) \d{4}-\d\d-\d\dT"), "an AWS load balancer (ALB) log"),
    (re.compile(r"^\d{4}-\d\d-\d\d\t\d\d:\d\d:\d\d\t"), "an AWS CloudFront log"),
    (re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "), "W3C extended without its #Fields: directive"),
    (re.compile(r"^[^,]+, [^,]+, \d+/\d+/\d+, \d+:\d+:\d+, "), "the IIS log file format (comma-separated)"),
    (re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ "), "a syslog line (strip its syslog prefix)"),
    (re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \["), "an nginx error log"),
    (re.compile(r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} "), "an Apache error log"),
)


def unsupported_format(first_line: str) -> str | None:
    """``JSON lines``, ``an AWS load balancer (ALB) log``, ... for a first line in a known other format."""
    for pattern, name in KNOWN:
        if pattern.search(first_line):
            return name
    return None
