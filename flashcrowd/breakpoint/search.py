"""The search over load: double until a step fails, look further up for resets, then bisect both brackets.

A pure state machine, driven by whoever runs the steps (the load shape in a
Locust process, or a unit test): ask :meth:`BreakSearch.next_load` what to hold
next, run that step, hand its verdict to :meth:`BreakSearch.record`.

Two questions are answered: where the site first fails (any way), and where
connection resets begin. Resets may come only well past the first failure (a
site slows and answers 500 before its front end resets), so after the first
failing step the search keeps doubling, up to ``reset_search`` times that load,
until a step shows sustained resets. It then bisects the first-failure bracket,
then the resets bracket. Loads are whole numbers of Locust users (visitors in
the closed model, arrival streams in the open one), so a bracket is also
resolved when its ends are one user apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from flashcrowd.breakpoint.criteria import UNDRAINED, Verdict


class Stop(StrEnum):
    """Why a search ended."""

    RESOLVED = "resolved"  # both brackets are within the resolution
    BUDGET = "budget"  # the next step would not fit in the time budget
    INCONCLUSIVE = "inconclusive"  # the load generator, not the site, was the limit
    UNDRAINED = "undrained"  # the site did not recover after a failing step: lighter loads went unmeasured
    CEILING = "ceiling"  # the site held the largest load the search may ask for


@dataclass(frozen=True)
class SearchPlan:
    """Where the search starts, when it stops, and how long one step takes."""

    start: int
    resolution: float = 0.05
    budget_s: float = 180.0
    step_s: float = 10.0  # warm-up + window (+ cool-down after a failure): the time one step costs
    ceiling: int = 100_000
    reset_search: float = 4.0  # look for resets up to this many times the first failing load

    def __post_init__(self) -> None:
        if self.start < 1 or self.ceiling < self.start:
            raise ValueError(f"start must be between 1 and the ceiling {self.ceiling}, got {self.start}")
        if not 0 < self.resolution < 1:
            raise ValueError(f"resolution must be between 0 and 1, got {self.resolution}")


@dataclass(frozen=True)
class Bracket:
    """The highest load that held below the lowest that did not, for one question."""

    good: int | None
    bad: int | None

    def resolved(self, resolution: float) -> bool:
        if self.bad is None:
            return False
        if self.good is None:  # the lightest step already failed: bisect down towards one user
            return self.bad <= 1
        gap = self.bad - self.good
        return gap <= 1 or gap / self.good <= resolution

    def midpoint(self) -> int:
        assert self.bad is not None
        return ((self.good or 0) + self.bad) // 2


@dataclass(frozen=True)
class StepRecord:
    """One load held, and what it was judged."""

    load: int
    verdict: Verdict


def bracket(steps: list[StepRecord], failed: Callable[[Verdict], bool]) -> Bracket:
    """The bracket of ``failed`` over the conclusive steps (a good step above the lowest bad one is noise)."""
    judged = [step for step in steps if not step.verdict.inconclusive]
    bad = min((step.load for step in judged if failed(step.verdict)), default=None)
    good = max(
        (step.load for step in judged if not failed(step.verdict) and (bad is None or step.load < bad)),
        default=None,
    )
    return Bracket(good, bad)


def _fails(verdict: Verdict) -> bool:
    return verdict.failed


def _resets(verdict: Verdict) -> bool:
    return verdict.resets


@dataclass
class BreakSearch:
    """Doubling, a look for resets past the first failure, then bisection of both brackets."""

    plan: SearchPlan
    steps: list[StepRecord] = field(default_factory=list)
    stopped: Stop | None = None
    # Set when a step past the first failure was inconclusive: resets were looked for only below it.
    reset_search_cut: str | None = None

    @property
    def failure(self) -> Bracket:
        return bracket(self.steps, _fails)

    @property
    def resets(self) -> Bracket:
        return bracket(self.steps, _resets)

    @property
    def last_good(self) -> int | None:
        return self.failure.good

    @property
    def first_bad(self) -> int | None:
        return self.failure.bad

    @property
    def first_bad_verdict(self) -> Verdict | None:
        bad = self.first_bad
        return next((s.verdict for s in self.steps if s.load == bad and s.verdict.failed), None)

    @property
    def highest(self) -> int | None:
        return max((step.load for step in self.steps if not step.verdict.inconclusive), default=None)

    def next_load(self, elapsed_s: float) -> int | None:
        """The load for the next step, or None once the search has ended (see ``stopped``)."""
        if self.stopped is not None:
            return None
        load = self._wanted()
        if load is None:
            return self._stop(self.stopped or Stop.RESOLVED)
        if elapsed_s + self.plan.step_s > self.plan.budget_s:
            return self._stop(Stop.BUDGET)
        return load

    def _wanted(self) -> int | None:
        failure, resets, highest = self.failure, self.resets, self.highest
        if highest is None:
            return self.plan.start
        if failure.bad is None:
            if highest >= self.plan.ceiling:
                self.stopped = Stop.CEILING
                return None
            return min(2 * highest, self.plan.ceiling)
        looking_up = resets.bad is None and self.reset_search_cut is None
        if looking_up and highest < min(self.plan.reset_search * failure.bad, self.plan.ceiling):
            return min(2 * highest, self.plan.ceiling)
        if not failure.resolved(self.plan.resolution):
            return failure.midpoint()
        if resets.bad is not None and not resets.resolved(self.plan.resolution):
            return resets.midpoint()
        return None

    def record(self, load: int, verdict: Verdict) -> None:
        """Take the verdict on the step just run at ``load``."""
        self.steps.append(StepRecord(load, verdict))
        if not verdict.inconclusive:
            return
        if verdict.kind == UNDRAINED:
            self._stop(Stop.UNDRAINED)
            return
        failure = self.failure
        if failure.bad is not None and load > failure.bad:
            # Only the look for resets went too far: keep what is known, stop looking higher.
            self.reset_search_cut = verdict.reason
        else:
            self._stop(Stop.INCONCLUSIVE)

    def _stop(self, reason: Stop) -> None:
        self.stopped = reason
        return None
