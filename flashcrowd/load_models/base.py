"""What a load model gives the launcher (CLI process) and the Locust process that runs it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
