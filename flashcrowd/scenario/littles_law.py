"""Little's law on a curve: concurrent users = session arrival rate x mean session duration.

Sessions started over a window are the integral of ``users(t) / session_s``,
optionally weighted by an origin's share; both are piecewise linear, so Simpson's
rule between their breakpoints is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from flashcrowd.scenario.model import Curve

# Evaluate just inside a segment, so a step (two keyframes at one time) counts on its own side.
_INSIDE = 1e-9


def sessions_between(
    users: Curve,
    session_s: float,
    start_s: float,
    end_s: float,
    share: Callable[[float], float] | None = None,
    share_breaks: Iterable[float] = (),
) -> float:
    """Sessions that start between ``start_s`` and ``end_s`` (times since the clock's start)."""
    if end_s <= start_s:
        return 0.0
    weight = share or (lambda _t: 1.0)

    def rate(t: float) -> float:
        return users.value_at(t) * weight(t)

    breaks = {start_s, end_s, *(k.at_s for k in users.keyframes), *share_breaks}
    edges = sorted(t for t in breaks if start_s <= t <= end_s)
    total = 0.0
    for left, right in itertools.pairwise(edges):
        width = right - left
        if width <= 0:
            continue
        a, b = left + width * _INSIDE, right - width * _INSIDE
        middle = (left + right) / 2
        total += width * (rate(a) + 4 * rate(middle) + rate(b)) / 6
    return total / session_s


def sessions_per_hour(users: float, session_s: float) -> float:
    """Session arrival rate per hour that keeps ``users`` on the site at once."""
    return users * 3600.0 / session_s
