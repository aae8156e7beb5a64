"""The locustfile's own command-line options, and the run context built from them on each Locust process.

Locust sends custom options from the master to its workers with each spawn
message, after the workers' ``init``; so visitors read them lazily through
:func:`run_context`, which loads the scenario once per process.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flashcrowd.scenario.model import Scenario
from flashcrowd_common.arguments import duration, port, positive, positive_duration
from flashcrowd_common.errors import UsageError
from flashcrowd_common.safety import ALLOW_ENV, ALLOW_FLAG

CONTEXT_ATTRIBUTE = "flashcrowd_context"


def add_arguments(parser: Any) -> None:
    """Register the options on Locust's parser (``events.init_command_line_parser``)."""
    group = parser  # not an argument group: only Locust's parser knows include_in_web_ui
    group.add_argument(
        "--scenario", metavar="PATH", default="", help="scenario file or bundled scenario name"
    )
    group.add_argument("--scale", type=positive, default=None, help="simulated users per real-world user")
    group.add_argument("--compress", type=positive, default=None, help="real-world seconds per wall second")
    group.add_argument("--duration", default="", help="shorten the run to this wall duration, e.g. 90s, 2min")
    group.add_argument(
        "--seed", type=int, default=None, help="seed for visitors' choices (default: the scenario's)"
    )
    group.add_argument("--out", metavar="DIR", default="", help="results directory", include_in_web_ui=False)
    group.add_argument(
        "--stop-on-breach", action="store_true", default=False, help="stop at the first SLO breach"
    )
    group.add_argument(
        ALLOW_FLAG,
        action="store_true",
        default=False,
        include_in_web_ui=False,
        help=f"allow a --host that is not this machine (or set {ALLOW_ENV}=1)",
    )
    group.add_argument(
        "--site-analytics",
        action="store_true",
        default=False,
        include_in_web_ui=False,
        help="the host is the bundled target_app: read its own analytics at the end, for the report",
    )
    group.add_argument(
        "--prometheus-port",
        type=port,
        default=None,
        include_in_web_ui=False,
        help="serve live per-second figures for Prometheus on 127.0.0.1:PORT (local runner or master)",
    )
    group.add_argument(
        "--keepalive-idle", type=duration, default=5.0, help="seconds a visitor keeps an idle connection"
    )
    group.add_argument(
        "--connect-timeout", type=positive_duration, default=10.0, help="visitor's connect timeout, seconds"
    )
    group.add_argument(
        "--read-timeout", type=positive_duration, default=60.0, help="visitor's wait for a response, seconds"
    )


def load_from_options(options: argparse.Namespace) -> Scenario:
    """The scenario the options name, with their overrides applied; UsageError/ConfigError otherwise."""
    from flashcrowd.launch.paths import resolve_scenario
    from flashcrowd.scenario import load_scenario
    from flashcrowd.scenario.quantities import parse_duration

    if not getattr(options, "scenario", ""):
        raise UsageError(
            "--scenario: expected a scenario file or name, e.g. --scenario scenarios/ci-smoke.yaml"
        )
    duration_s = None
    if options.duration:
        try:
            duration_s = parse_duration(options.duration)
        except ValueError as error:
            raise UsageError(f"--duration {options.duration!r}: expected {error}") from None
    path = resolve_scenario(options.scenario)
    scenario = load_scenario(path, scale=options.scale, compress=options.compress, duration_s=duration_s)
    if options.seed is not None:
        scenario = dataclasses.replace(scenario, seed=options.seed)
    return scenario


@dataclasses.dataclass
class RunContext:
    """What every visitor of one Locust process shares: the scenario, a seeded RNG, the run's clock."""

    scenario: Scenario
    rng: random.Random
    keepalive_idle_s: float = 5.0
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    started: float = dataclasses.field(default_factory=time.monotonic)
    # Called as each request is sent; the recorder counts them (a site that falls behind ends fewer).
    on_request_start: Callable[[], None] = lambda: None
    _addresses: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)

    def restart_clock(self, **_: Any) -> None:
        """Wall time 0 is the test's start (a ``test_start`` listener)."""
        self.started = time.monotonic()

    def wall_s(self) -> float:
        return time.monotonic() - self.started

    def real_now_s(self) -> float:
        """Real-world seconds since the scenario's start that the curve stands at now."""
        return self.scenario.clock.real_seconds(self.wall_s())

    def address(self, base_url: str) -> tuple[Any, ...]:
        """The socket address of the site, looked up once per process."""
        if base_url not in self._addresses:
            from flashcrowd.in_locust.http_client import (
                resolve,  # gevent-heavy: not for `flashcrowd run`'s own process
            )

            self._addresses[base_url] = resolve(base_url)
        return self._addresses[base_url]


def install(environment: Any, scenario: Scenario, options: argparse.Namespace | None = None) -> RunContext:
    """Make ``scenario`` the run's scenario on this Locust process; seeded per worker so workers differ."""
    worker_index = max(getattr(environment.runner, "worker_index", 0) or 0, 0)
    context = RunContext(scenario, random.Random(scenario.seed * 1009 + worker_index))
    if options is not None:
        context.keepalive_idle_s = getattr(options, "keepalive_idle", context.keepalive_idle_s)
        context.connect_timeout_s = getattr(options, "connect_timeout", context.connect_timeout_s)
        context.read_timeout_s = getattr(options, "read_timeout", context.read_timeout_s)
    setattr(environment, CONTEXT_ATTRIBUTE, context)
    environment.events.test_start.add_listener(context.restart_clock)
    return context


def run_context(environment: Any) -> RunContext:
    """This process's run context, loading the scenario from the options the first time (a worker's case)."""
    context = getattr(environment, CONTEXT_ATTRIBUTE, None)
    if context is None:
        options = environment.parsed_options
        if options is None:
            raise UsageError("no scenario: install(environment, scenario) or pass --scenario")
        context = install(environment, load_from_options(options), options)
    return context


def out_dir(options: argparse.Namespace, scenario: Scenario) -> Path:
    """--out, or ``flashcrowd-results/<scenario>-<timestamp>/`` in the working directory."""
    if getattr(options, "out", ""):
        return Path(options.out)
    return Path("flashcrowd-results") / f"{scenario.path.stem}-{time.strftime('%Y%m%d-%H%M%S')}"


def absolute_scenario_path(options: argparse.Namespace) -> None:
    """Rewrite --scenario as an absolute path, so workers started elsewhere read the same file."""
    from flashcrowd.launch.paths import resolve_scenario

    if getattr(options, "scenario", ""):
        options.scenario = str(Path(resolve_scenario(options.scenario)).resolve())
