"""What every curve unit module provides, and the calendar spans their implied figures are counted over."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from flashcrowd.scenario.model import Clock, Curve
from flashcrowd.scenario.source import ScenarioSource


@dataclass(frozen=True)
class Implied:
    """A figure in one unit that the scenario implies through Little's law."""

    unit: str
    what: str  # e.g. "sessions on 2016-11-09"
    value: float
    when: str  # the real-world moment or window, as written for people


class CurveUnit(Protocol):
    """A unit a load curve may be written in (one module each, see this package)."""

    NAME: str
    LABEL: str

    def check(self, load: dict[str, Any], source: ScenarioSource) -> None:
        """Raise ConfigError for settings this unit cannot use."""

    def to_concurrent_users(
        self, written: Curve, session_s: float, clock: Clock, hourly_profile: tuple[float, ...]
    ) -> Curve:
        """The written curve as concurrent real-world users."""

    def implied(self, users: Curve, session_s: float, clock: Clock) -> list[Implied]:
        """What ``users`` amounts to in this unit."""


@dataclass(frozen=True)
class Span:
    """A calendar period in the clock's time zone, as seconds since the clock's start."""

    label: str
    start_s: float
    end_s: float
    partial: bool  # the scenario covers only part of it


def calendar_spans(clock: Clock, period: timedelta, label_format: str) -> Iterator[Span]:
    """Local hours or days (``period``) that overlap the scenario's real-world span."""
    zone = clock.start.tzinfo
    start = clock.start
    floor = (
        start.replace(hour=0, minute=0, second=0, microsecond=0)
        if period >= timedelta(days=1)
        else start.replace(minute=0, second=0, microsecond=0)
    )
    end_ts = start.timestamp() + clock.duration_s
    moment = floor
    while moment.timestamp() < end_ts:
        following = _next(moment, period, zone)
        span_start, span_end = (
            moment.timestamp() - start.timestamp(),
            following.timestamp() - start.timestamp(),
        )
        partial = span_start < 0 or span_end > clock.duration_s
        yield Span(
            moment.strftime(label_format), max(span_start, 0.0), min(span_end, clock.duration_s), partial
        )
        moment = following


def _next(moment: datetime, period: timedelta, zone: Any) -> datetime:
    # Days step in local calendar terms (23 or 25 h across DST); hours step in absolute time.
    if period >= timedelta(days=1):
        return (moment.replace(tzinfo=None) + period).replace(tzinfo=zone)
    return datetime.fromtimestamp(moment.timestamp() + period.total_seconds(), zone)
