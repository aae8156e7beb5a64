"""argparse types for command-line values: each returns the value or says what was expected.

argparse turns the ArgumentTypeError into one line naming the flag, so every
command rejects ``--scale inf`` or ``--port 70000`` the same way, before anything starts.
"""

from __future__ import annotations

import argparse
import math

from flashcrowd_common.durations import DURATION_EXPECTED, parse_duration


def positive(text: str) -> float:
    """A finite number > 0."""
    value = _number(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def share(text: str) -> float:
    """A fraction from ``5%`` or ``0.05``; between 0 and 1."""
    raw = str(text).strip()
    value = _number(raw[:-1]) / 100 if raw.endswith("%") else _number(raw)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share such as 5% or 0.05, got {text!r}")
    return value


def ratio(text: str) -> float:
    """A relative change from ``50%`` or ``0.5``: finite and >= 0 (``200%`` is allowed)."""
    raw = str(text).strip()
    value = _number(raw[:-1]) / 100 if raw.endswith("%") else _number(raw)
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a relative change such as 50% or 0.5, got {text!r}")
    return value


def count(text: str) -> int:
    """An integer >= 0."""
    if not str(text).strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return int(text)


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0: the system picks a free one)."""
    if not str(text).strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return int(text)


def duration(text: str) -> float:
    """Seconds from ``20s``, ``5min``, ``500ms``, or a bare number of seconds; finite and >= 0."""
    value = _number(text)
    if math.isnan(value):
        try:
            value = parse_duration(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {DURATION_EXPECTED}, got {text!r}") from None
    if not (value >= 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected {DURATION_EXPECTED}, got {text!r}")
    return value


def positive_duration(text: str) -> float:
    """A :func:`duration` longer than zero, e.g. a timeout."""
    value = duration(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a duration longer than 0, got {text!r}")
    return value


def _number(text: str) -> float:
    """``text`` as a float, NaN when it is not a number (NaN fails every range check)."""
    try:
        return float(text)
    except ValueError:
        return math.nan
