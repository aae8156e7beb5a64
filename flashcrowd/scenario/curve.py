"""A load curve: keyframes joined linearly, at real-world seconds since the clock's start."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Keyframe:
    """The curve's value at real-world second ``at_s``."""

    at_s: float
    value: float


@dataclass(frozen=True)
class Curve:
    """Keyframes joined linearly; two keyframes at the same time make a step."""

    unit: str  # the unit the scenario wrote: concurrent_users, sessions_per_hour or sessions_per_day
    keyframes: tuple[Keyframe, ...]

    def value_at(self, t: float) -> float:
        """The value at ``t``; held flat before the first and after the last keyframe."""
        times = self._times
        if t <= times[0]:
            return self.keyframes[0].value
        if t >= times[-1]:
            return self.keyframes[-1].value
        i = bisect.bisect_right(times, t)
        left, right = self.keyframes[i - 1], self.keyframes[i]
        if right.at_s == left.at_s:
            return right.value
        return left.value + (right.value - left.value) * (t - left.at_s) / (right.at_s - left.at_s)

    @cached_property
    def _times(self) -> list[float]:
        # Built once: the load shape and the plan ask for values many times a second.
        return [k.at_s for k in self.keyframes]

    @property
    def peak(self) -> Keyframe:
        """The first keyframe with the highest value."""
        return max(self.keyframes, key=lambda k: k.value)
