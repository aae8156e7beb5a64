"""The run context each Locust process builds from the locustfile's options (flashcrowd/options.py).

Locust sends custom options from the master to its workers with each spawn
message, after the workers' ``init``; so visitors read them lazily through
:func:`run_context`, which loads the scenario once per process.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.http.tls import TlsSettings
from flashcrowd.in_locust.origins import OriginDraw
from flashcrowd.option_values import load_from_options
from flashcrowd.options import default
from flashcrowd.scenario.model import Scenario
from flashcrowd_common.errors import UsageError

CONTEXT_ATTRIBUTE = "flashcrowd_context"


@dataclasses.dataclass
class RunContext:
    """What every visitor of one Locust process shares: the scenario, a seeded RNG, the run's clock."""

    scenario: Scenario
    rng: random.Random
    keepalive_idle_s: float = default("--keepalive-idle")
    connect_timeout_s: float = default("--connect-timeout")
    read_timeout_s: float = default("--read-timeout")
    started: float = dataclasses.field(default_factory=time.monotonic)
    # Called with the request's context as each request is sent; the recorder counts them (a site
    # that falls behind ends fewer) and the sessions they start, as a site counts them: on arrival.
    on_request_start: Callable[[Mapping[str, Any] | None], None] = lambda _context: None
    # The share of the visitors added at a wall second who start on a first page (the curve model sets
    # it from the scenario, flashcrowd.scenario.steady_state); the others join mid-browse.
    fresh_share: Callable[[float], float] = lambda _wall_s: 1.0
    draw_origin: OriginDraw = dataclasses.field(default_factory=OriginDraw)  # the visitors' origins
    tls: TlsSettings = dataclasses.field(default_factory=TlsSettings)
    _addresses: dict[str, tuple[Any, ...]] = dataclasses.field(default_factory=dict)
    _tls_context: Any = None

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
            from flashcrowd.http.http_client import (
                resolve,  # gevent-heavy: not for `flashcrowd run`'s own process
            )

            self._addresses[base_url] = resolve(base_url)
        return self._addresses[base_url]

    def tls_context(self, base_url: str) -> Any:
        """The one TLS client context every browser of this process shares (None for http://)."""
        if not base_url.startswith("https:"):
            return None
        if self._tls_context is None:
            self._tls_context = self.tls.context()
        return self._tls_context


def install(environment: Any, scenario: Scenario, options: argparse.Namespace | None = None) -> RunContext:
    """Make ``scenario`` the run's scenario on this Locust process; seeded per worker so workers differ."""
    worker_index = max(getattr(environment.runner, "worker_index", 0) or 0, 0)
    context = RunContext(scenario, random.Random(scenario.seed * 1009 + worker_index))
    if options is not None:
        context.keepalive_idle_s = getattr(options, "keepalive_idle", context.keepalive_idle_s)
        context.connect_timeout_s = getattr(options, "connect_timeout", context.connect_timeout_s)
        context.read_timeout_s = getattr(options, "read_timeout", context.read_timeout_s)
        context.tls = TlsSettings.from_options(options)
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


def absolute_scenario_path(options: argparse.Namespace) -> None:
    """Rewrite --scenario as an absolute path, so workers started elsewhere read the same file."""
    if getattr(options, "scenario", ""):
        options.scenario = str(Path(resolve_scenario(options.scenario)).resolve())
