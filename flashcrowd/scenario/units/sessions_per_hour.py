"""Sessions per hour: the rate at which visits begin, as web analytics count them hour by hour.

Concurrent users = sessions per hour / 3600 x mean session duration (Little's law).
"""

from __future__ import annotations

from datetime import timedelta

from flashcrowd.scenario.littles_law import sessions_between
from flashcrowd.scenario.model import Clock, Curve, Keyframe
from flashcrowd.scenario.units import concurrent_users
from flashcrowd.scenario.units.base import Implied, calendar_spans

NAME = "sessions_per_hour"
LABEL = "sessions per hour"

check = concurrent_users.check


def to_concurrent_users(
    written: Curve, session_s: float, clock: Clock, hourly_profile: tuple[float, ...]
) -> Curve:
    """Each keyframe's arrival rate times the mean session duration."""
    return Curve(
        concurrent_users.NAME,
        tuple(Keyframe(k.at_s, k.value * session_s / 3600.0) for k in written.keyframes),
    )


def implied(users: Curve, session_s: float, clock: Clock) -> list[Implied]:
    """The busiest local clock hour's sessions."""
    hours = [
        (sessions_between(users, session_s, span.start_s, span.end_s), span)
        for span in calendar_spans(clock, timedelta(hours=1), "%Y-%m-%d %H:00")
        if not span.partial
    ]
    if not hours:
        return []
    busiest, span = max(hours, key=lambda pair: pair[0])
    return [Implied(LABEL, "sessions in the busiest hour", busiest, f"{span.label} {clock.start:%Z}")]
