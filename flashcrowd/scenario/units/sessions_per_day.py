"""Sessions per day: a day's total visits, spread over its hours by a 24-value hourly profile.

The arrival rate in local hour h of a day with total D is D x profile[h] / 3600
(profile scaled to sum to 1); concurrent users = rate x mean session duration.
The concurrent curve joins the hours' midpoints linearly, which keeps each
day's total while avoiding a jump in load on every hour.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from flashcrowd.scenario.littles_law import sessions_between
from flashcrowd.scenario.model import Clock, Curve, Keyframe
from flashcrowd.scenario.source import ScenarioSource
from flashcrowd.scenario.units import concurrent_users
from flashcrowd.scenario.units.base import Implied, calendar_spans

NAME = "sessions_per_day"
LABEL = "sessions per day"


def check(load: dict[str, Any], source: ScenarioSource) -> None:
    """A daily total needs the hourly profile that spreads it over the day."""
    profile = load.get("hourly_profile")
    if profile is None:
        raise source.error(
            ("load",),
            f"missing hourly_profile; unit {NAME} needs 24 numbers, the share of a day's sessions per hour",
        )
    if sum(profile) <= 0:
        raise source.error(("load", "hourly_profile"), "expected at least one hour with a share > 0")


def to_concurrent_users(
    written: Curve, session_s: float, clock: Clock, hourly_profile: tuple[float, ...]
) -> Curve:
    """Concurrent users at the middle of every local hour the curve covers."""
    total = sum(hourly_profile)
    shares = [share / total for share in hourly_profile]
    zone = clock.start.tzinfo
    first = min(written.keyframes[0].at_s, 0.0)
    last = max(written.keyframes[-1].at_s, clock.duration_s)
    # Local hour boundaries from the hour containing ``first``.
    hour_start = math.floor((clock.start.timestamp() + first) / 3600.0) * 3600.0
    keyframes = []
    while hour_start - clock.start.timestamp() < last:
        local_hour = datetime.fromtimestamp(hour_start, zone).hour
        middle_s = hour_start + 1800.0 - clock.start.timestamp()
        rate_per_s = written.value_at(middle_s) * shares[local_hour] / 3600.0
        keyframes.append(Keyframe(middle_s, rate_per_s * session_s))
        hour_start += 3600.0
    return Curve(concurrent_users.NAME, tuple(keyframes))


def implied(users: Curve, session_s: float, clock: Clock) -> list[Implied]:
    """Sessions on each local calendar day the scenario covers (part days say so)."""
    return [
        Implied(
            LABEL,
            f"sessions on {span.label}" + (" (part of the day)" if span.partial else ""),
            sessions_between(users, session_s, span.start_s, span.end_s),
            span.label,
        )
        for span in calendar_spans(clock, timedelta(days=1), "%Y-%m-%d")
    ]
