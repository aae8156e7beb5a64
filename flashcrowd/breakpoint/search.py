"""The search over load: double until a step fails, bisect that bracket, then look further up for resets.

A pure state machine, driven by whoever runs the steps (the load shape in a
Locust process, or a unit test): ask :meth:`BreakSearch.next_load` what to hold
next, run that step, hand its verdict to :meth:`BreakSearch.record`.

Two questions are answered: where the site first fails (any way), and where
connection resets begin. The first failure comes first: its bracket is bisected
to the resolution before any step goes past it, so a look for resets that
overloads the site for good can cost the resets answer, never the first
failure. Resets may come only well past the first failure (a site slows and
answers 500 before its front end resets), so the search then keeps doubling, up
to ``reset_search`` times the first failing load, until a step shows sustained
resets, and bisects that bracket. Each step up leaves a backlog the site must
work off before the next step; the search asks how long that drain would take
(``drain_forecast``) and stops looking up where the step and its drain would not
fit the time budget or the drain cap, and says so. A first failure far below
what the site was measured to serve is measured again before it is answered.
Loads are whole numbers of Locust users (visitors in the closed model, arrival
streams in the open one), so a bracket is also resolved when its ends are one
user apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from flashcrowd.breakpoint.criteria import UNDRAINED, Verdict

SUSPECT_SHARE = 0.1  # a first failure below this share of the load the site was seen to serve is re-measured


class Stop(StrEnum):
    """Why a search ended."""

    RESOLVED = "resolved"  # both brackets are within the resolution
    BUDGET = "budget"  # the next step would not fit in the time budget
    INCONCLUSIVE = "inconclusive"  # the load generator, not the site, was the limit
    UNDRAINED = "undrained"  # the site did not recover after a failing step: lighter loads went unmeasured
    CEILING = "ceiling"  # the site held the largest load the search may ask for


@dataclass(frozen=True)
class SearchPlan:
    """Where the search starts, when it stops, how long one step takes (defaults: flashcrowd/options.py)."""

    start: int
    resolution: float
    budget_s: float
    step_s: float  # warm-up + window + settle: the time one step costs, before any drain after it
    ceiling: int
    reset_search: float  # look for resets up to this many times the first failing load
    max_drain_s: float  # the longest wait for the site to drain after a failing step

    def __post_init__(self) -> None:
        if self.start < 1 or self.ceiling < self.start:
            raise ValueError(f"start must be between 1 and the ceiling {self.ceiling}, got {self.start}")
        if not 0 < self.resolution < 1:
            raise ValueError(f"resolution must be between 0 and 1, got {self.resolution}")


@dataclass(frozen=True)
class DrainForecast:
    """How long the site would take to drain after a failing step at some load, and on what evidence."""

    seconds: float
    evidence: str  # e.g. "a step at 256 sessions/s would leave about 1,600 requests at 79 req/s"


def no_drain(load: int) -> DrainForecast:
    """The forecast of a site that leaves nothing queued (tests; a search with no step measured)."""
    return DrainForecast(0.0, "nothing queued")


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
    """One load held, what it was judged, and the load its throughput would serve at light load's rate."""

    load: int
    verdict: Verdict
    served: float = 0.0


def bracket(steps: list[StepRecord], failed: Callable[[Verdict], bool]) -> Bracket:
    """The bracket of ``failed`` over the conclusive steps (a good step above the lowest bad one is noise).

    A load measured again is judged by its latest step.
    """
    latest = {step.load: step.verdict for step in steps if not step.verdict.inconclusive}
    bad = min((load for load, verdict in latest.items() if failed(verdict)), default=None)
    good = max(
        (load for load, verdict in latest.items() if not failed(verdict) and (bad is None or load < bad)),
        default=None,
    )
    return Bracket(good, bad)


def _fails(verdict: Verdict) -> bool:
    return verdict.failed


def _resets(verdict: Verdict) -> bool:
    return verdict.resets


@dataclass
class BreakSearch:
    """Doubling, bisection of the first failure, then a look for resets past it and their bisection."""

    plan: SearchPlan
    drain_forecast: Callable[[int], DrainForecast] = no_drain
    steps: list[StepRecord] = field(default_factory=list)
    stopped: Stop | None = None
    # Why resets were looked for no higher: a step up was inconclusive, or would not fit with its drain.
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
        return next((s.verdict for s in reversed(self.steps) if s.load == bad and s.verdict.failed), None)

    @property
    def highest(self) -> int | None:
        return max((step.load for step in self.steps if not step.verdict.inconclusive), default=None)

    @property
    def served(self) -> float:
        """The most load any step's throughput would serve at light load's rate: the measured saturation."""
        return max((step.served for step in self.steps), default=0.0)

    def next_load(self, elapsed_s: float) -> int | None:
        """The load for the next step, or None once the search has ended (see ``stopped``)."""
        if self.stopped is not None:
            return None
        load = self._wanted(elapsed_s)
        if load is None:
            return self._stop(self.stopped or Stop.RESOLVED)
        if elapsed_s + self.plan.step_s > self.plan.budget_s:
            return self._stop(Stop.BUDGET)
        return load

    def _wanted(self, elapsed_s: float) -> int | None:
        failure, highest = self.failure, self.highest
        if highest is None:
            return self.plan.start
        if failure.bad is None:
            if highest >= self.plan.ceiling:
                self.stopped = Stop.CEILING
                return None
            return min(2 * highest, self.plan.ceiling)
        if not failure.resolved(self.plan.resolution):
            return failure.midpoint()
        if self._suspect(failure.bad):
            return failure.bad
        up = self._reset_step_up(failure.bad, highest, elapsed_s)
        if up is not None:
            return up
        resets = self.resets
        if resets.bad is not None and not resets.resolved(self.plan.resolution):
            return resets.midpoint()
        return None

    def _suspect(self, first_bad: int) -> bool:
        """A first failure under a tenth of what the site served elsewhere, measured only once."""
        measured = sum(1 for step in self.steps if step.load == first_bad and not step.verdict.inconclusive)
        return first_bad < SUSPECT_SHARE * self.served and measured < 2

    def _reset_step_up(self, first_bad: int, highest: int, elapsed_s: float) -> int | None:
        """The next step of the look for resets, or None once it is over (``reset_search_cut`` says why
        when it ended before ``reset_search`` times the first failure)."""
        if self.resets.bad is not None or self.reset_search_cut is not None:
            return None
        if highest >= min(self.plan.reset_search * first_bad, self.plan.ceiling):
            return None
        load = min(2 * highest, self.plan.ceiling)
        drain = self.drain_forecast(load)
        left_s = self.plan.budget_s - elapsed_s - self.plan.step_s
        if drain.seconds <= min(left_s, self.plan.max_drain_s):
            return load
        bound = (
            f"the {self.plan.max_drain_s:g} s drain cap"
            if self.plan.max_drain_s < left_s
            else f"the {max(left_s, 0):.0f} s of budget left after it"
        )
        self.reset_search_cut = f"{drain.evidence}: about {drain.seconds:.0f} s to drain, beyond {bound}"
        return None

    def record(self, load: int, verdict: Verdict, served: float = 0.0) -> None:
        """Take the verdict on the step just run at ``load``; ``served``: what its throughput would serve
        at light load's rate, in users."""
        self.steps.append(StepRecord(load, verdict, served))
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
