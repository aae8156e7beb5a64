"""How the load is driven, one module per load model - the scenario's curve, find-break's search - as
k6 has executors; the registry below is what the launcher (CLI process) and the locustfile (Locust) read.

Each model gives the launcher its checks and bounds (in the CLI process, before anything starts;
nothing here imports Locust) and, lazily, its Locust side: the shape that drives the load and the
user classes it spawns. ``--load-model NAME`` chooses one; adding a model is one module and one entry.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flashcrowd.load_models import find_break
from flashcrowd_common.errors import UsageError

if TYPE_CHECKING:
    from flashcrowd.in_locust.locust_options import RunContext
    from flashcrowd.results.recorder import Recorder
    from flashcrowd.scenario.model import Scenario


@dataclass(frozen=True)
class LoadModel:
    """A load model: its checks and bounds for the launcher, and its set-up inside Locust."""

    name: str
    # CLI process: UsageError if the options do not fit (it may fill in defaults that need the bundled
    # target's profile, given or None); returns the longest the load itself may take, in seconds.
    check: Callable[[argparse.Namespace, Scenario, str | None], float]
    # Every Locust process: configure its users; on the one that runs the shape, return the shape
    # (a LoadTestShape whose ticks name the user classes to spawn). The recorder is made on demand,
    # after the model's own checks, so bad input leaves nothing behind.
    set_up: Callable[[Any, RunContext, Callable[[], Recorder]], Any]
    grace_s: float  # on top of the load: Locust's start-up, the last rows, writing the reports
    result_name: str = "summary.json"  # the file in --out that holds the answer
    results_prefix: str | None = None  # the default --out's name; None: the scenario's
    show_prefixes: tuple[bytes, ...] = ()  # the child's stderr lines shown; (): all of it
    progress: bool = True  # the recorder prints its progress lines
    site_analytics: bool = True  # with the bundled target, its own analytics go into the report


def _curve_check(options: argparse.Namespace, scenario: Scenario, _profile: str | None) -> float:
    import psutil

    from flashcrowd.launch.run_size import check_peak_fits

    check_peak_fits(scenario, options.scale, psutil.virtual_memory().available)
    return scenario.clock.wall_duration_s


def _curve_set_up(environment: Any, context: RunContext, recorder: Callable[[], Recorder]) -> Any:
    # Locust's own modules: only inside Locust. The visitor reads the curve's tick, so it is handed over.
    from flashcrowd.in_locust.visitor import Visitor
    from flashcrowd.load_models import curve

    return curve.set_up(environment, context, recorder, Visitor)


MODELS: dict[str, LoadModel] = {
    "curve": LoadModel("curve", _curve_check, _curve_set_up, grace_s=30.0),
    "find-break": LoadModel(
        "find-break",
        find_break.check,
        find_break.set_up,
        grace_s=60.0,  # Locust's start-up, writing the result and reports (the budget allows one drain)
        result_name=find_break.RESULT_NAME,
        results_prefix="find-break",
        show_prefixes=(b"find-break:", b"flashcrowd:"),
        progress=False,  # each step's line replaces the progress lines
        site_analytics=False,
    ),
}


def model(name: str) -> LoadModel:
    """The load model called ``name``; UsageError naming the known ones otherwise."""
    try:
        return MODELS[name]
    except KeyError:
        raise UsageError(f"--load-model {name!r}: expected one of: {', '.join(MODELS)}") from None
