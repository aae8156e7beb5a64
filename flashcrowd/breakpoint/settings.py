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

from flashcrowd.breakpoint.criteria import Criteria
from flashcrowd.breakpoint.guard import GeneratorGuard
from flashcrowd.breakpoint.search import SearchPlan
from flashcrowd.breakpoint.units import MODELS, LoadUnits
from flashcrowd.scenario.journeys import session_seconds
from flashcrowd.scenario.model import Scenario
from flashcrowd_common.arguments import count, duration, positive, share
from flashcrowd_common.errors import UsageError

DEFAULT_START = {"closed": 10.0, "open": 2.0}
OPEN_WARMUP_SESSIONS = 2  # open model: warm-up lasts at least this many mean sessions
START_STREAMS = 20  # open model: users of the first step, so bisection can reach a 5 % resolution
CEILING_FACTOR = 10_000
OFF = "off"


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
        if value == OFF:
            return OFF
        return f"{value:g}s" if getattr(self.parse, "reads", self.parse) is duration else str(value)


def or_off(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse``, or the word ``off`` (the criterion is switched off)."""

    def parse_or_off(text: str) -> Any:
        return OFF if str(text).strip().lower() == OFF else parse(text)

    parse_or_off.reads = parse  # type: ignore[attr-defined]
    return parse_or_off


def _switch(value: Any) -> Any:
    """An option's value with ``off`` as None."""
    return None if value == OFF else value


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
    Option("--drain-timeout", duration, 30.0, "after a failing step, wait at zero load at most this long "
           "for the site to answer near its idle latency again"),
    Option("--ceiling", positive, None, "highest load to try (default: 10,000 times --start)"),
    Option("--reset-search", positive, 4.0, "after the first failure, look for connection resets up to "
           "this many times its load (1: do not look further)"),
    Option("--min-failures", count, 5, "a step fails on failed requests (resets, refusals, timeouts, "
           "connections closed, 5xx) only when there are at least this many ..."),
    Option("--max-failure-rate", or_off(share), 0.05, "... and they exceed this share of its requests "
           "(off: failed requests never fail a step)"),
    Option("--min-served", or_off(share), 0.9, "open model: fail a step in which fewer than this share of "
           "the requests sent were answered (the site fell behind; off to disable)"),
    Option("--max-latency-factor", or_off(positive), 5.0, "fail a step whose p95 exceeds this many times "
           "the lightest step's (and by at least 100 ms; off to disable)"),
    Option("--max-p95", or_off(duration), None, "fail a step whose p95 exceeds this, e.g. 800ms "
           "(default: the scenario's p95 SLO, if it has one)"),
    Option("--min-throughput-gain", or_off(share), None, "fail a step whose throughput rose by less than "
           "this share of the offered load's rise over the last good step, e.g. 50% (default: off)"),
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
    drain_timeout_s: float
    settle_s: float = 1.0

    @property
    def step_s(self) -> float:
        """What one step costs, for the time budget (a drain before it is checked once it is over)."""
        return self.warmup_s + self.window_s + self.settle_s + 1.0  # + a shape tick


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
    timing = StepTiming(warmup, options.window, options.drain_timeout, settle_s)
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
            reset_search=options.reset_search,
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
