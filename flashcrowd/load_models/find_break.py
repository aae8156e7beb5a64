"""find-break's search as a load model: its checks for the launcher, and its set-up inside Locust.

In the CLI process, :func:`check` builds the search's settings from the options (the
same that Locust builds again), so a bad option is one line before anything starts.
Inside Locust, every process probes its own load generation and configures the
open-model users; the process that runs the shape (local runner or master) also
measures the idle site and gets the configured :class:`BreakShape`. Its options are
find-break's group in flashcrowd/options.py.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flashcrowd.breakpoint import settings
from flashcrowd.breakpoint.result import RESULT_NAME
from flashcrowd.load_models.base import LoadModel
from flashcrowd_common.errors import UsageError

if TYPE_CHECKING:
    from flashcrowd.in_locust.locust_options import RunContext
    from flashcrowd.results.recorder import Recorder
    from flashcrowd.scenario.model import Scenario


def check(options: argparse.Namespace, scenario: Scenario, profile: str | None) -> float:
    """The search's bound (budget and one drain) once its settings are built; with the bundled
    target, its profile also sets the analytic prediction beside the measurement."""
    search = settings.from_options(options, scenario)
    if profile is not None and options.predict_profile is None:
        options.predict_profile = profile
    return search.plan.budget_s + search.timing.drain_timeout_s


def set_up(environment: Any, context: RunContext, recorder: Callable[[], Recorder]) -> Any:
    """Probe this process and configure its users; on the shape's process, return the configured shape."""
    from locust.runners import MasterRunner, WorkerRunner

    from flashcrowd.breakpoint.arrivals import ArrivalStream
    from flashcrowd.breakpoint.drain import DrainProbe, probe_path
    from flashcrowd.breakpoint.prediction import predict
    from flashcrowd.breakpoint.probe import GeneratorProbe
    from flashcrowd.breakpoint.stepshape import BreakShape
    from flashcrowd.in_locust.visitor import Visitor
    from flashcrowd.results.recorder import MASTER_LAG_S

    if not environment.host:
        raise UsageError("--host: expected the URL of the site to load, e.g. --host http://127.0.0.1:8080")
    scenario = context.scenario
    lag_s = MASTER_LAG_S if isinstance(environment.runner, MasterRunner) else 0
    search = settings.from_options(environment.parsed_options, scenario, settle_s=lag_s + 1.0)
    GeneratorProbe.attach(environment)
    ArrivalStream.rate_per_s = search.units.per_user
    ArrivalStream.max_sessions = search.max_sessions
    environment.events.test_stopping.add_listener(lambda **_: ArrivalStream.stop_sessions())
    run_recorder = recorder()
    if isinstance(environment.runner, WorkerRunner):
        return None
    prediction = None
    if search.predict_profile:
        from flashcrowd.planning.retries import counting_retries
        from target_app.profile import load_profile

        profile = load_profile(search.predict_profile)
        model = search.units.model
        reset_share = search.criteria.max_failure_rate
        prediction = counting_retries(
            predict(model, scenario, profile), model, scenario, profile, reset_share
        )
    user_class = Visitor if search.units.model == "closed" else ArrivalStream
    host = environment.host
    drain = DrainProbe(host, probe_path(scenario), context.address(host), context.tls_context(host))
    shape = BreakShape()
    shape.configure(
        search,
        user_class,
        run_recorder,
        GeneratorProbe.of(environment),
        drain,
        prediction,
    )
    run_recorder.search_answer = shape.finish  # the record holds the answer; find-break.json comes from it
    return shape


MODEL = LoadModel(
    "find-break",
    check,
    set_up,
    grace_s=60.0,  # Locust's start-up, writing the result and reports (the budget allows one drain)
    result_name=RESULT_NAME,
    results_prefix="find-break",
    show_prefixes=(b"find-break:", b"flashcrowd:"),
    progress=False,  # each step's line replaces the progress lines
    site_analytics=False,
)
