"""Requests per visitor in a run's windows, against plan's light-load rate (requests a session over
its length)."""

from __future__ import annotations

import csv
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import pytest
from run_helpers import ELECTION_NIGHT

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.planning.plan import make_plan
from flashcrowd.scenario import load_scenario

WINDOW_S = 15.0
RATE_TOLERANCE = 0.10
NOISE_SIGMAS = 3.0


@dataclass(frozen=True)
class Window:
    """One window of a run: the requests its visitors sent and the visitor-seconds they spent."""

    requests: int
    user_seconds: float

    @property
    def rate(self) -> float:
        return self.requests / self.user_seconds


def windows(timeline: Path, until_s: float = math.inf, window_s: float = WINDOW_S) -> list[Window]:
    """The run's whole ``window_s`` windows from its start, up to ``until_s``."""
    with timeline.open() as rows_file:
        rows = [row for row in csv.DictReader(rows_file) if float(row["wall_s"]) <= until_s]
    sums: dict[int, Window] = {}
    previous = 0.0
    for row in rows:
        end = float(row["wall_s"])
        index = int(previous // window_s)
        window = sums.get(index, Window(0, 0.0))
        sums[index] = Window(
            window.requests + int(row["requests"]),
            window.user_seconds + float(row["achieved_users"]) * (end - previous),
        )
        previous = end
    return [window for index, window in sorted(sums.items()) if (index + 1) * window_s <= previous + 1]


def dispersion(timeline: Path, until_s: float, planned: float) -> float:
    """How many times a Poisson count's variance the requests of a second have around what plan's rate
    gives its visitors: a first page brings its assets at once, so they come in bursts."""
    with timeline.open() as rows_file:
        rows = [row for row in csv.DictReader(rows_file) if float(row["wall_s"]) <= until_s]
    expected = [planned * float(row["achieved_users"]) for row in rows]
    residuals = [int(row["requests"]) - mean for row, mean in zip(rows, expected, strict=True)]
    return max(statistics.pvariance(residuals) / statistics.mean(expected), 1.0)


def plans_rate() -> float:
    """plan's light-load requests a second per visitor of election night (requests a session over its
    length)."""
    return make_plan(load_scenario(resolve_scenario(ELECTION_NIGHT)), None).run.rps_per_user


def assert_rates_follow_plan(timeline: Path, until_s: float = math.inf) -> None:
    """Every whole window's requests per visitor-second within 10 % of plan's, or within the noise of
    so few requests (three standard deviations) where that is wider."""
    planned = plans_rate()
    spread = dispersion(timeline, until_s, planned)
    measured = windows(timeline, until_s)
    assert measured, "no whole window"
    for window in measured:
        expected = planned * window.user_seconds
        tolerance = max(RATE_TOLERANCE, NOISE_SIGMAS * math.sqrt(spread * expected) / expected)
        assert window.rate == pytest.approx(planned, rel=tolerance), ([w.rate for w in measured], planned)
