"""The scenario's curve as a load model: concurrent users follow the curve, scaled and time-compressed.

In the CLI process, :func:`check` refuses a peak of simulated users this machine cannot hold.
Inside Locust, every process records its visitors, who join the curve mid-browse or fresh as the
scenario's ``join`` says; the one that runs the shape (local runner or master) gets a
:class:`~flashcrowd.load_models.curve_shape.ScenarioShape` of visitors.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flashcrowd.load_models.base import LoadModel

if TYPE_CHECKING:
    from flashcrowd.in_locust.locust_options import RunContext
    from flashcrowd.load_models.curve_shape import ScenarioShape
    from flashcrowd.results.recorder import Recorder
    from flashcrowd.scenario.model import Scenario


def check(options: argparse.Namespace, scenario: Scenario, _profile: str | None) -> float:
    """The curve's wall duration, once its peak of simulated users fits this machine's free memory, file
    limit and source ports."""
    import psutil

    from flashcrowd.load_models.preflight import check_generator, generator_budget
    from flashcrowd.load_models.run_size import check_peak_fits

    check_peak_fits(scenario, options.scale, psutil.virtual_memory().available)
    check_generator(
        generator_budget(scenario, options.workers, options.host, options.keepalive_idle),
        f"--workers {options.workers}",
    )
    return scenario.clock.wall_duration_s


def set_up(environment: Any, context: RunContext, recorder: Callable[[], Recorder]) -> ScenarioShape | None:
    """Record this process's visitors; on the shape's process, check the peak fits and return the curve
    of visitors."""
    # Locust's own modules: only inside Locust, never in the CLI process (they patch it with gevent).
    import psutil
    from locust.runners import MasterRunner, WorkerRunner

    from flashcrowd.in_locust.visitor import Visitor
    from flashcrowd.load_models.curve_shape import ScenarioShape
    from flashcrowd.load_models.run_size import check_peak_fits
    from flashcrowd.scenario.steady_state import fresh_share

    context.fresh_share = functools.partial(fresh_share, context.scenario)
    runs_shape = not isinstance(environment.runner, WorkerRunner)
    if runs_shape:  # free memory matters where the visitors live: not on a master, whose workers hold them
        on_master = isinstance(environment.runner, MasterRunner)
        available = None if on_master else psutil.virtual_memory().available
        check_peak_fits(context.scenario, environment.parsed_options.scale, available)
        say_generator_budget(environment, context)
    recorder()
    return ScenarioShape(context.scenario, [Visitor]) if runs_shape else None


MODEL = LoadModel("curve", check, set_up, grace_s=30.0)


def say_generator_budget(environment: Any, context: RunContext) -> None:
    """Say, as the run starts, what this machine's generator can hold of the curve's peak."""
    import sys

    from locust.runners import MasterRunner

    from flashcrowd.load_models.preflight import check_generator, generator_budget

    parsed = environment.parsed_options
    processes = parsed.expect_workers if isinstance(environment.runner, MasterRunner) else 1
    budget = generator_budget(context.scenario, processes, environment.host, context.keepalive_idle_s)
    print(f"flashcrowd: {check_generator(budget, '--workers')}", file=sys.stderr, flush=True)
