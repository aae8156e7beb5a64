"""Concurrent users: how many people are on the site at once (analytics' "active users").

The curve is already what the load shape needs; no conversion.
"""

from __future__ import annotations

from typing import Any

from flashcrowd.scenario.model import Clock, Curve
from flashcrowd.scenario.quantities import format_moment
from flashcrowd.scenario.source import ScenarioSource
from flashcrowd.scenario.units.base import Implied

NAME = "concurrent_users"
LABEL = "concurrent users"


def check(load: dict[str, Any], source: ScenarioSource) -> None:
    """Only sessions_per_day spreads a total over the hours of a day."""
    if "hourly_profile" in load:
        raise source.error(("load", "hourly_profile"), f"not used with unit {NAME}; remove it", key_node=True)


def to_concurrent_users(
    written: Curve, session_s: float, clock: Clock, hourly_profile: tuple[float, ...]
) -> Curve:
    """The written curve itself, relabelled."""
    return Curve(NAME, written.keyframes)


def implied(users: Curve, session_s: float, clock: Clock) -> list[Implied]:
    """The peak number of users on the site at once."""
    peak = max(users.keyframes, key=lambda k: k.value)
    return [Implied(LABEL, "peak concurrent users", peak.value, format_moment(clock.start, peak.at_s))]
