"""Human quantities in scenario files: durations (``20s``, ``5min``, ``1h``) and real-world moments.

A moment is ``"23:00"`` (that time on the clock's start date), ``"2016-11-09 01:30"``,
``"2016-11-09"`` (midnight) or ``"+90s"`` (a duration after the clock's start), read
in the clock's time zone. Callers get seconds since the clock's start.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo

from flashcrowd_common.durations import DURATION_EXPECTED, parse_duration

__all__ = ["DURATION_EXPECTED", "parse_duration"]  # durations are shared with target_app

MOMENT_EXPECTED = 'a moment such as "23:00", "2016-11-09 01:30", "2016-11-09" or "+90s"'

_CLOCK_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_datetime(text: str, zone: tzinfo, on_day: date | None = None) -> datetime:
    """A time-zone-aware datetime from ``YYYY-MM-DD[ HH:MM[:SS]]``, or ``HH:MM[:SS]`` on ``on_day``."""
    text = str(text).strip()
    clock_time = _CLOCK_TIME.match(text)
    try:
        if clock_time and on_day is not None:
            hour, minute, second = (int(part or 0) for part in clock_time.groups())
            return datetime.combine(on_day, time(hour, minute, second), zone)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(MOMENT_EXPECTED) from None
    if parsed.tzinfo is not None:
        raise ValueError(f"{MOMENT_EXPECTED}, without a UTC offset (the clock's time zone applies)")
    return parsed.replace(tzinfo=zone)


def parse_moment(text: str, start: datetime) -> float:
    """Real-world seconds from ``start`` to the moment ``text``, read in ``start``'s time zone."""
    text = str(text).strip()
    if text.startswith("+"):
        return parse_duration(text[1:])
    assert start.tzinfo is not None
    moment = parse_datetime(text, start.tzinfo, on_day=start.date())
    # Subtracting aware datetimes in one zone ignores DST shifts; UTC does not.
    return moment.timestamp() - start.timestamp()


def format_duration(seconds: float) -> str:
    """A short human duration: ``45 s``, ``3.2 min``, ``1.5 h``, ``9 d``."""
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.3g} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} d"


def format_moment(start: datetime, real_s: float) -> str:
    """The real-world moment ``real_s`` after ``start``, in its time zone: ``2016-11-08 23:00 EST``."""
    moment = datetime.fromtimestamp(start.timestamp() + real_s, start.tzinfo)
    return moment.strftime("%Y-%m-%d %H:%M %Z" if moment.second == 0 else "%Y-%m-%d %H:%M:%S %Z")
