"""find-break's options, declared once: ``flashcrowd find-break`` and the Locust process both register them.

The CLI checks them before anything starts and forwards them, normalised, to
``locust -f locustfiles/find_break.py``; running that locustfile by hand takes
the same options. Values keep their human forms (``5%``, ``3min``, ``2s``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flashcrowd.arguments import count, duration, positive, share
from flashcrowd.breakpoint.criteria import Criteria
from flashcrowd.breakpoint.guard import GeneratorGuard
from flashcrowd.breakpoint.search import SearchPlan
from flashcrowd.breakpoint.units import MODELS, LoadUnits
from flashcrowd.errors import UsageError
from flashcrowd.scenario.journeys import session_seconds
from flashcrowd.scenario.model import Scenario

DEFAULT_START = {"closed": 10.0, "open": 2.0}
OPEN_WARMUP_SESSIONS = 2  # open model: warm-up lasts at least this many mean sessions
START_STREAMS = 20  # open model: users of the first step, so bisection can reach a 5 % resolution
CEILING_FACTOR = 10_000


@dataclass(frozen=True)
class Option:
    """One find-break option: its flag, how its value is read, its default and its help."""

    flag: str
    parse: Callable[[str], Any] | None
    default: Any
    help: str
    choices: tuple[str, ...] | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    def render(self, value: Any) -> str:
        """The value as this option's parser reads it back, for forwarding to the Locust process."""
        return f"{value:g}s" if self.parse is duration else str(value)


OPTIONS: tuple[Option, ...] = (
    Option("--model", None, "closed", "closed: load = concurrent visitors who think between pages; "
           "open: load = new sessions a second, which do not slow down when the site does", MODELS),
    Option("--start", positive, None, "load of the first step, in the model's unit "
           "(default: 10 visitors, or 2 sessions/s)"),
    Option("--resolution", share, 0.05, "stop once (first bad - last good) / last good is at most this"),
    Option("--budget", duration, 180.0, "stop after this long even if the resolution is not reached"),
    Option("--warmup", duration, 3.0, "time at each step's load before measuring (open model: at least "
           "two mean sessions)"),
    Option("--window", duration, 5.0, "measuring window of each step"),
    Option("--cooldown", duration, 2.0, "time at zero load after a failing step, so the site drains"),
    Option("--ceiling", positive, None, "highest load to try (default: 10,000 times --start)"),
    Option("--min-connection-failures", count, 5, "a step fails on resets, timeouts or refusals only when "
           "there are at least this many in the window ..."),
    Option("--max-connection-failure-rate", share, 0.05, "... and they exceed this share of its requests"),
    Option("--max-5xx-rate", share, None, "fail a step whose HTTP 5xx exceed this share (default: off)"),
    Option("--max-p95", duration, None, "fail a step whose p95 exceeds this, e.g. 800ms (default: off)"),
    Option("--min-throughput-gain", share, None, "fail a step whose throughput rose by less than this share "
           "of the offered load's rise over the last good step, e.g. 50% (default: off)"),
    Option("--max-generator-cpu", share, 0.9, "a generator process busier than this (share of one core) "
           "makes a step inconclusive"),
    Option("--arrival-rate-per-user", positive, None, "open model: sessions/s one Locust user starts "
           "(default: --start / 20, so the first step runs 20 users)"),
    Option("--max-sessions", positive, 5000, "open model: sessions in flight per generator process; "
           "arrivals beyond it are dropped and the step is inconclusive"),
    Option("--predict-profile", str, None, "bundled target profile (name or file) to set the analytic "
           "prediction beside the measurement"),
)  # fmt: skip


def add_arguments(parser: Any) -> None:
    """Register every find-break option on an argparse (or Locust's configargparse) parser."""
    group = parser.add_argument_group("find-break", "Search for the load at which the site breaks")
    for option in OPTIONS:
        extra = {"choices": option.choices} if option.choices else {"type": option.parse}
        # argparse expands %-formats in help; the texts say "5%" as people write it.
        help_text = option.help.replace("%", "%%")
        group.add_argument(option.flag, default=option.default, help=help_text, **extra)


def forward(args: argparse.Namespace) -> list[str]:
    """The find-break options set in ``args``, as command-line arguments for the Locust process."""
    argv: list[str] = []
    for option in OPTIONS:
        value = getattr(args, option.dest)
        if value is not None:
            argv += [option.flag, option.render(value)]
    return argv


@dataclass(frozen=True)
class StepTiming:
    """How long each step holds its load; ``settle_s`` lets the window's figures reach this process."""

    warmup_s: float
    window_s: float
    cooldown_s: float
    settle_s: float = 1.0

    @property
    def step_s(self) -> float:
        """The most one step costs, for the time budget."""
        return self.warmup_s + self.window_s + self.settle_s + self.cooldown_s + 1.0  # + a shape tick


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
    start = options.start or DEFAULT_START[model]
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
    timing = StepTiming(warmup, options.window, options.cooldown, settle_s)
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
        units=LoadUnits(model, per_user, scenario.scale, scenario.session_duration_s),
        plan=SearchPlan(
            start=start_users,
            resolution=options.resolution,
            budget_s=options.budget,
            step_s=timing.step_s,
            ceiling=max(int(ceiling / per_user), start_users),
        ),
        timing=timing,
        criteria=Criteria(
            min_connection_failures=options.min_connection_failures,
            max_connection_failure_rate=options.max_connection_failure_rate,
            max_5xx_rate=options.max_5xx_rate,
            max_p95_ms=options.max_p95 * 1000 if options.max_p95 is not None else None,
            min_throughput_gain=options.min_throughput_gain,
        ),
        guard=GeneratorGuard(max_cpu=options.max_generator_cpu),
        max_sessions=int(options.max_sessions),
        predict_profile=options.predict_profile,
    )
