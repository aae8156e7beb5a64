"""Who the curve adds: visitors arriving on their first page, or visitors already browsing.

A compressed curve adds visitors ``compress`` times faster than the real night did,
while each visitor's session runs at real pace. Started on their first page, the
added visitors would all be in the same early phase of a session (first page and
its assets at once) and ask far more per head than the real night's visitors,
most of whom were mid-session when the curve reached them. So, with ``join:
steady`` (the default), only the real world's own share starts fresh: turnover
(a visitor whose session ends starts a new one) plus the curve's growth at real
pace, so of the visitors the curve adds in a wall second, ``growth / compress``
arrive fresh (all of a step's jump: ``step: true`` is a crowd arriving at once);
the others join mid-browse (``join_point``). The visitors present when the curve
starts were all mid-browse. ``join: cold`` starts everyone on page 1.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from flashcrowd.scenario.model import Journey, Scenario

STEADY, COLD = "steady", "cold"
JOIN_MODES = (STEADY, COLD)


@dataclass(frozen=True)
class JoinPoint:
    """Where a visitor already browsing stands: its journey, the step it asks for next, after a wait."""

    journey: Journey
    next_step: int
    wait_s: float


def fresh_share(scenario: Scenario, wall_s: float, tick_s: float = 1.0) -> float:
    """The share of the visitors the curve adds in the tick from ``wall_s`` that arrive fresh; 1 with
    ``join: cold`` or when it adds none (a replacement starts fresh). The first tick spawns the
    visitors present when the curve starts: they were browsing."""
    if scenario.join == COLD:
        return 1.0
    clock = scenario.clock
    first = wall_s < tick_s
    begin, end = (
        clock.real_seconds(0.0 if first else wall_s),
        clock.real_seconds(tick_s if first else wall_s + tick_s),
    )
    growth = scenario.real_users_at(end) - scenario.real_users_at(begin)
    added = growth + (scenario.real_users_at(begin) if first else 0.0)
    if added <= 0:
        return 1.0
    jumps = _jumps(scenario, begin, end)
    fresh = jumps + max(growth - jumps, 0.0) * min(tick_s / (end - begin), 1.0)
    return min(fresh / added, 1.0)


def _jumps(scenario: Scenario, begin: float, end: float) -> float:
    """The rises of the curve's steps (two keyframes at one moment) in (begin, end]."""
    frames = scenario.users.keyframes
    return sum(
        max(right.value - left.value, 0.0)
        for left, right in itertools.pairwise(frames)
        if left.at_s == right.at_s and begin < right.at_s <= end
    )


def join_point(scenario: Scenario, rng: random.Random) -> JoinPoint | None:
    """A random moment of the session cycle (None if its pages take no think time): the step whose
    think it falls in is drawn in proportion to how long visitors spend there (journey weight x the
    step's probability x its mean think), and the wait is that think's residual; the page's assets
    have loaded before its think."""
    places = [
        (journey, index, journey.weight * step.probability * (step.think or scenario.think_time).mean)
        for journey in scenario.journeys
        for index, step in enumerate(journey.steps)
    ]
    if sum(weight for *_, weight in places) <= 0:
        return None
    journey, index, _ = rng.choices(places, weights=[weight for *_, weight in places])[0]
    think = journey.steps[index].think or scenario.think_time
    after = index + 1
    while after < len(journey.steps) and journey.steps[after].is_asset:
        after += 1
    return JoinPoint(journey, after, think.residual(rng))


def session_spans_real_s(scenario: Scenario) -> float:
    """How much of the curve's real-world time one session lasts, compressed: session x compress."""
    return scenario.session_duration_s * scenario.clock.compress
