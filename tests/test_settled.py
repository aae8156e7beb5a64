"""Where a failure is placed on a compressed curve (flashcrowd/results/settled.py): at the load the
site's queue had settled to, which lags the users only past saturation, by the visitors' mean think."""

from __future__ import annotations

import math

import pytest

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.results.settled import relaxation_s, settled_load, settled_users
from flashcrowd.results.timeline import TimelineRow
from flashcrowd.scenario import load_scenario

Z = 20.0  # the visitors' mean think, s


def ramp(users_per_s: float, seconds: int) -> list[TimelineRow]:
    """A second a row: users rising ``users_per_s`` a second from 100."""
    return [
        TimelineRow(float(s), "", users, users, users, users, requests=0)
        for s in range(1, seconds + 1)
        for users in [round(100 + users_per_s * s)]
    ]


def test_the_queue_lags_the_users_only_past_saturation():
    """Past saturation N_sat the queue follows dq/dt = (N - N_sat - q) / Z from empty: on a ramp of slope
    a crossing N_sat at t0 it holds a(t - t0) - aZ(1 - e^-(t-t0)/Z); below N_sat it stays empty."""
    rows, slope, saturation = ramp(50, 60), 50.0, 1100.0  # crosses 1,100 at 20 s
    for t in (30, 40, 60):
        elapsed = t - 20
        queue = slope * (elapsed - Z * (1 - math.exp(-elapsed / Z)))
        assert settled_users(rows, t, Z, saturation) == pytest.approx(saturation + queue, rel=0.03)
    assert settled_users(rows, 15, Z, saturation) == saturation  # not saturated yet: no queue


def test_a_failure_is_placed_where_the_queue_stood_or_where_it_happened():
    rows = ramp(50, 60)
    failed = rows[39]  # 40 s: 2,100 users, 1,000 past a saturation at 1,100
    assert settled_load(rows, failed, Z, 1100.0) == settled_users(rows, 40, Z, 1100.0)
    assert 1100 < settled_load(rows, failed, Z, 1100.0) < failed.achieved_users - 500
    # A site that never saturated had no queue to lag: its failure stays where it happened, as does one
    # that failed below saturation.
    assert settled_load(rows, failed, Z, None) is None
    assert settled_load(rows, rows[9], Z, 1100.0) is None


def test_the_lag_is_the_mean_think_not_the_gap_between_requests():
    """Election night thinks 20 s between pages; a page's six assets follow at once and shorten the mean
    gap between requests to 7.4 s, but not the time a reading visitor stays away from the queue."""
    scenario = load_scenario(resolve_scenario("election-night-2016-11-08"))
    assert relaxation_s(scenario) == pytest.approx(scenario.think_time.mean)
