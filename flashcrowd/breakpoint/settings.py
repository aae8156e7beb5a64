"""find-break's settings, from its options (declared in flashcrowd/options.py) once they are parsed.

The CLI builds them before anything starts, to check the options; the Locust
process that runs the search builds them again (``--load-model find-break``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from flashcrowd.breakpoint.criteria import Criteria
from flashcrowd.breakpoint.guard import GeneratorGuard
from flashcrowd.breakpoint.search import SearchPlan
from flashcrowd.breakpoint.units import LoadUnits
from flashcrowd.options import CEILING_FACTOR, OFF, START_BY_MODEL, START_STREAMS
from flashcrowd.results.pacing import pacing
from flashcrowd.scenario.journeys import session_seconds
from flashcrowd.scenario.model import Scenario
from flashcrowd_common.errors import UsageError

OPEN_WARMUP_SESSIONS = 2  # open model: warm-up lasts at least this many mean sessions
MAX_WINDOWS = 3  # a step with too few requests to judge is held up to this many windows


@dataclass(frozen=True)
class StepTiming:
    """How long each step holds its load; ``settle_s`` lets the window's figures reach this process."""

    warmup_s: float
    window_s: float
    settle_s: float

    @property
    def hold_s(self) -> float:
        """How long a step holds its load (one window)."""
        return self.warmup_s + self.window_s + self.settle_s

    @property
    def step_s(self) -> float:
        """What one step costs, for the time budget (a drain before it is checked once it is over)."""
        return self.hold_s + 1.0  # + a shape tick


@dataclass(frozen=True)
class FindBreakSettings:
    """Everything the search needs, built once from the options on the process that runs it."""

    units: LoadUnits
    plan: SearchPlan
    timing: StepTiming
    criteria: Criteria
    guard: GeneratorGuard
    max_sessions: int
    predict_profile: str | None

    def as_dict(self) -> dict[str, Any]:
        """The settings as plain values, recorded in the result."""
        return {
            "model": self.units.model,
            "load_per_user": self.units.per_user,
            **{f"plan_{k}": v for k, v in self.plan.__dict__.items()},
            **{f"timing_{k}": v for k, v in self.timing.__dict__.items()},
            **self.criteria.__dict__,
            **{f"guard_{k}": v for k, v in self.guard.__dict__.items()},
            "max_sessions": self.max_sessions,
            "predict_profile": self.predict_profile,
        }


def from_options(options: argparse.Namespace, scenario: Scenario, settle_s: float = 1.0) -> FindBreakSettings:
    """Settings from parsed options (CLI or Locust's); UsageError naming the option when they do not fit."""
    model = options.model
    start = options.start or START_BY_MODEL[model]
    per_user = 1.0 if model == "closed" else options.arrival_rate_per_user or start / START_STREAMS
    start_users = max(round(start / per_user), 1)
    ceiling = options.ceiling or start * CEILING_FACTOR
    # Open model: a session's later pages lag its arrival, so the request rate reaches a new step's
    # level only once the sessions begun before it have ended; measure after that, not during it.
    warmup = (
        options.warmup
        if model == "closed"
        else max(
            options.warmup, OPEN_WARMUP_SESSIONS * session_seconds(scenario.journeys, scenario.think_time)
        )
    )
    timing = StepTiming(warmup, options.window, settle_s)
    if options.window < 1:
        raise UsageError(
            f"--window {options.window:g}s: expected at least 1s (figures are kept a second at a time)"
        )
    if not 0 < options.resolution < 1:
        raise UsageError(
            f"--resolution {options.resolution:g}: expected a share between 0% and 100%, e.g. 5%"
        )
    if ceiling < start:
        raise UsageError(f"--ceiling {ceiling:g}: expected at least --start ({start:g})")
    if options.budget < timing.step_s:
        raise UsageError(f"--budget {options.budget:g}s: expected at least one step ({timing.step_s:g}s)")
    return FindBreakSettings(
        units=LoadUnits(
            model, per_user, scenario.scale, scenario.session_duration_s, pacing(scenario, model == "closed")
        ),
        plan=SearchPlan(
            start=start_users,
            resolution=options.resolution,
            budget_s=options.budget,
            step_s=timing.step_s,
            ceiling=max(int(ceiling / per_user), start_users),
            reset_search=options.reset_search,
            max_drain_s=options.drain_timeout,
        ),
        timing=timing,
        criteria=Criteria(
            min_failures=options.min_failures,
            max_failure_rate=_switch(options.max_failure_rate),
            # Closed-model visitors wait for each answer, so what they send is what gets answered.
            min_served=_switch(options.min_served) if model == "open" else None,
            max_latency_factor=_switch(options.max_latency_factor),
            max_p95_ms=_max_p95_ms(options.max_p95, scenario),
            min_throughput_gain=_switch(options.min_throughput_gain),
        ),
        guard=GeneratorGuard(max_cpu=options.max_generator_cpu),
        max_sessions=int(options.max_sessions),
        predict_profile=options.predict_profile,
    )


def _switch(value: Any) -> Any:
    """An option's value with ``off`` as None."""
    return None if value == OFF else value


def _max_p95_ms(option: Any, scenario: Scenario) -> float | None:
    """--max-p95 in ms; without it, the scenario's tightest p95 SLO, if any."""
    if option == OFF:
        return None
    if option is not None:
        return option * 1000
    limits = [
        slo.threshold for slo in scenario.slos if slo.metric in ("p95_ms", "p95_ok_ms") and slo.op == "<="
    ]
    return min(limits, default=None)
