"""The search over load: double until a step fails, then bisect between the last good and the first bad.

A pure state machine, driven by whoever runs the steps (the load shape in a
Locust process, or a unit test): ask :meth:`BreakSearch.next_load` what to hold
next, run that step, hand its verdict to :meth:`BreakSearch.record`.

Loads are whole numbers of Locust users (visitors in the closed model, arrival
streams in the open one), so the search also ends when good and bad are one
user apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from flashcrowd.breakpoint.criteria import Verdict


class Stop(StrEnum):
    """Why a search ended."""

    RESOLVED = "resolved"  # good and bad are within the resolution
    BUDGET = "budget"  # the next step would not fit in the time budget
    INCONCLUSIVE = "inconclusive"  # the load generator, not the site, was the limit
    CEILING = "ceiling"  # the site held the largest load the search may ask for


@dataclass(frozen=True)
class SearchPlan:
    """Where the search starts, when it stops, and how long one step takes."""

    start: int
    resolution: float = 0.05
    budget_s: float = 180.0
    step_s: float = 10.0  # warm-up + window (+ cool-down after a failure): the time one step costs
    ceiling: int = 100_000

    def __post_init__(self) -> None:
        if self.start < 1 or self.ceiling < self.start:
            raise ValueError(f"start must be between 1 and the ceiling {self.ceiling}, got {self.start}")
        if not 0 < self.resolution < 1:
            raise ValueError(f"resolution must be between 0 and 1, got {self.resolution}")


@dataclass
class StepRecord:
    """One load held, and what it was judged."""

    load: int
    verdict: Verdict


@dataclass
class BreakSearch:
    """Doubling, then bisection; ``last_good`` and ``first_bad`` bracket the break."""

    plan: SearchPlan
    steps: list[StepRecord] = field(default_factory=list)
    last_good: int | None = None
    first_bad: int | None = None
    first_bad_verdict: Verdict | None = None
    stopped: Stop | None = None

    def next_load(self, elapsed_s: float) -> int | None:
        """The load for the next step, or None once the search has ended (see ``stopped``)."""
        if self.stopped is not None:
            return None
        if self._resolved():
            return self._stop(Stop.RESOLVED)
        if elapsed_s + self.plan.step_s > self.plan.budget_s:
            return self._stop(Stop.BUDGET)
        if self.first_bad is None:
            if self.last_good is None:
                return self.plan.start
            if self.last_good >= self.plan.ceiling:
                return self._stop(Stop.CEILING)
            return min(2 * self.last_good, self.plan.ceiling)
        low = self.last_good if self.last_good is not None else 0
        return (low + self.first_bad) // 2

    def record(self, load: int, verdict: Verdict) -> None:
        """Take the verdict on the step just run at ``load``."""
        self.steps.append(StepRecord(load, verdict))
        if verdict.inconclusive:
            self._stop(Stop.INCONCLUSIVE)
        elif verdict.failed:
            if self.first_bad is None or load < self.first_bad:
                self.first_bad, self.first_bad_verdict = load, verdict
        elif self.last_good is None or load > self.last_good:
            self.last_good = load

    def _resolved(self) -> bool:
        if self.first_bad is None:
            return False
        if self.last_good is None:  # the very first step failed: bisect down towards one user
            return self.first_bad <= 1
        gap = self.first_bad - self.last_good
        return gap <= 1 or gap / self.last_good <= self.plan.resolution

    def _stop(self, reason: Stop) -> None:
        self.stopped = reason
        return None
