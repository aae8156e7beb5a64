"""Runs for the recorder, SLO and report tests: in-process Locust runs, scripted users, fed seconds."""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gevent
from loadgen_helpers import make_scenario
from locust import User, constant, task
from locust.env import Environment
from locust.runners import STATE_STOPPED

from flashcrowd.in_locust.locust_options import install
from flashcrowd.in_locust.recording import attach
from flashcrowd.load_models.curve_shape import ScenarioShape
from flashcrowd.results.recorder import REPORT_KEY, Recorder
from flashcrowd.results.tally import SecondTally
from flashcrowd.scenario.model import SLO, Distribution, Scenario, Step

# (seconds into the run, rng) -> (latency in ms, exception or None); what a scripted user "gets" for a request
Script = Callable[[float, random.Random], tuple[float, BaseException | None]]


def scenario(
    users: Sequence[tuple[float, float]],
    duration_s: float,
    slos: Sequence[SLO] = (),
    *,
    scale: float = 1.0,
    steps: Sequence[Step] = (Step("home", "GET", "/english/index.asp"),),
    think_s: float = 0.05,
) -> Scenario:
    """A one-journey scenario on the election-night clock (compress 1) with the SLOs given."""
    built = make_scenario(users, duration_s=duration_s, think=Distribution("constant", think_s), steps=steps)
    return dataclasses.replace(built, slos=tuple(slos), scale=scale)


def scripted_user(script: Script, pause_s: float = 0.01) -> type[User]:
    """A user that fires request events without a network, as ``script`` dictates."""

    class Scripted(User):
        wait_time = constant(pause_s)

        def on_start(self) -> None:
            self.rng = random.Random(7)
            self.started = time.time()

        @task
        def request(self) -> None:
            latency_ms, exception = script(time.time() - self.started, self.rng)
            self.environment.events.request.fire(
                request_type="GET",
                name="/",
                response_time=latency_ms,
                response_length=0,
                exception=exception,
                context={},
            )

    return Scripted


def run_in_process(
    scenario: Scenario,
    out_dir: Path,
    user_class: type[User],
    *,
    host: str | None = None,
    stop_on_breach: bool = False,
    during: Callable[[Environment, Recorder], None] | None = None,
) -> Recorder:
    """Run ``scenario``'s curve with a local runner until the shape stops (bounded); return the recorder.

    It runs in real time, so a test that calls it is marked ``load``.

    ``during(environment, recorder)`` runs in its own greenlet while the test goes.
    """
    environment = Environment(user_classes=[user_class], shape_class=ScenarioShape(scenario), host=host)
    runner = environment.create_local_runner()
    install(environment, scenario)
    recorder = attach(environment, scenario, out_dir, stop_on_breach=stop_on_breach)
    helper = gevent.spawn(during, environment, recorder) if during else None
    runner.start_shape()
    deadline = time.monotonic() + scenario.clock.wall_duration_s + 10
    gevent.sleep(0.5)
    while runner.state != STATE_STOPPED and runner.greenlet and time.monotonic() < deadline:
        gevent.sleep(0.1)
    runner.quit()
    if helper is not None:
        helper.kill()
    recorder.finish()
    return recorder


def started_recorder(scenario: Scenario, out_dir: Path) -> Recorder:
    """A recorder on a fresh local runner whose run has started, for feeding seconds by hand.

    It samples no seconds by itself: a test decides which seconds exist (``feed``) and hands a
    master's worker reports straight in (``deliver``).
    """
    environment = Environment()
    environment.create_local_runner()
    recorder = attach(environment, scenario, out_dir, sample=False)
    environment.events.test_start.fire(environment=environment)
    return recorder


def deliver(recorder: Recorder, worker: str, data: dict[str, Any]) -> None:
    """Hand ``recorder`` a worker's report, as a master's worker_report listener receives it."""
    recorder.receive_worker_report(worker, data)


def feed(recorder: Recorder, offset_s: int, latencies_ms: Sequence[float], resets: int = 0) -> None:
    """Deliver one second's requests (the first ``resets`` of them reset), and write that second's row."""
    assert recorder.started_at is not None
    second = int(recorder.started_at) + offset_s
    tally = SecondTally()
    for index, latency_ms in enumerate(latencies_ms):
        exception = ConnectionResetError(104, "Connection reset by peer") if index < resets else None
        tally.add(latency_ms, exception, False, second + 0.5)
    deliver(recorder, "worker-1", {REPORT_KEY: {str(second): tally.to_wire()}})
    recorder.write_rows_until(second)


def nearest_rank(values: Sequence[float], percentile: float) -> float:
    """The percentile by nearest rank, as HdrHistogram counts it."""
    ordered = sorted(values)
    return ordered[max(1, int(percentile / 100 * len(ordered) + 0.5)) - 1]
