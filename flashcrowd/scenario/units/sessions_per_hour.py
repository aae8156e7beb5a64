"""Sessions per hour: the rate at which visits begin, as web analytics count them hour by hour.

Concurrent users = sessions per hour / 3600 x mean session duration (Little's law).
"""

from __future__ import annotations

from datetime import timedelta

from flashcrowd.scenario.littles_law import sessions_between, sessions_per_hour
from flashcrowd.scenario.model import Clock, Curve, Keyframe
from flashcrowd.scenario.quantities import format_moment
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
    """The arrival rate at the peak, and the busiest full local clock hour's sessions."""
    peak = users.peak
    figures = [
        Implied(LABEL, "sessions per hour at the peak", sessions_per_hour(peak.value, session_s),
                format_moment(clock.start, peak.at_s)),
    ]  # fmt: skip
    hours = [
        (sessions_between(users, session_s, span.start_s, span.end_s), span)
        for span in calendar_spans(clock, timedelta(hours=1), "%Y-%m-%d %H:00")
        if not span.partial
    ]
    if hours:
        busiest, span = max(hours, key=lambda pair: pair[0])
        figures.append(
            Implied(LABEL, "sessions in the busiest clock hour", busiest, f"{span.label} {clock.start:%Z}")
        )
    return figures
