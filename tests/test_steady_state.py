"""Who a compressed curve adds: the real world's share arrives fresh, the others join mid-browse."""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
from collections import Counter
from pathlib import Path

import pytest
from loadgen_helpers import make_scenario

from flashcrowd.cli import main
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.model import Distribution, Step
from flashcrowd.scenario.steady_state import fresh_share, join_point
from flashcrowd_common.errors import UsageError

ELECTION_NIGHT = Path(__file__).resolve().parents[1] / "scenarios" / "election-night-2016-11-08.yaml"


def test_of_the_visitors_a_compressed_ramp_adds_only_its_growth_at_real_pace_arrives_fresh():
    ramp = make_scenario([(0, 100), (3600, 1000)], duration_s=3600, compress=240)
    assert fresh_share(ramp, 10.0) == pytest.approx(1 / 240)
    assert fresh_share(dataclasses.replace(ramp, clock=dataclasses.replace(ramp.clock, compress=1)), 10) == 1
    assert fresh_share(dataclasses.replace(ramp, join="cold"), 10.0) == 1
    # The first tick spawns the visitors present at the start: they were browsing.
    assert fresh_share(ramp, 0.2) == pytest.approx((1000 - 100) / 15 / 240 / (100 + 900 / 15), rel=1e-6)
    falling = make_scenario([(0, 1000), (3600, 100)], duration_s=3600, compress=240)
    assert fresh_share(falling, 10.0) == 1  # adds no one: a replacement starts fresh


def test_a_step_in_the_curve_is_a_crowd_arriving_at_once():
    jump = make_scenario([(0, 100), (1200, 100), (1200, 600), (3600, 600)], duration_s=3600, compress=240)
    assert fresh_share(jump, 4.5) == 1  # the tick from 1080 to 1320 real seconds holds the jump
    assert fresh_share(jump, 10.0) == 1  # flat: adds no one


def test_a_visitor_joins_at_a_step_drawn_by_the_time_spent_there_after_the_residual_think():
    steps = (
        Step("home", "GET", "/"),
        Step("assets", "GET", "/a.css", think=Distribution("constant", 0.0)),
        Step("read", "GET", "/read", think=Distribution("constant", 30.0)),
        Step("maybe", "GET", "/maybe", probability=0.5),
    )
    scenario = make_scenario([(0, 10)], duration_s=60, steps=steps, think=Distribution("constant", 10.0))
    rng = random.Random(1)
    points = [join_point(scenario, rng) for _ in range(20_000)]
    after = Counter(point.next_step for point in points)
    # Time spent after each step: home 10 s (read once its assets have loaded), assets 0, read 30 s,
    # maybe 0.5 x 10 s. A visitor who reads home goes on to /read: it has home's assets.
    assert set(after) == {2, 3, 4}
    assert after[2] / len(points) == pytest.approx(10 / 45, abs=0.015)
    assert after[3] / len(points) == pytest.approx(30 / 45, abs=0.015)
    waits = [point.wait_s for point in points if point.next_step == 3]
    assert max(waits) <= 30 and statistics.mean(waits) == pytest.approx(15, rel=0.05)


@pytest.mark.parametrize(
    "think",
    [
        Distribution("exponential", 20.0),
        Distribution("constant", 20.0),
        Distribution.uniform(2.0, 8.0),
        Distribution("lognormal", 20.0, sigma=0.8),
    ],
)
def test_the_residual_of_a_think_is_its_equilibrium_mean(think):
    """Seen from a random moment, the time left is E[X^2] / 2 E[X]."""
    rng = random.Random(2)
    draws = [think.sample(rng) for _ in range(100_000)]
    expected = statistics.mean(x * x for x in draws) / 2 / statistics.mean(draws)
    assert statistics.mean(think.residual(rng) for _ in range(100_000)) == pytest.approx(expected, rel=0.04)


def test_a_cut_of_the_night_keeps_the_curves_times_and_sets_the_compression_of_its_own_span():
    night = load_scenario(ELECTION_NIGHT, compress=48, begin="21:00", end="22:30")
    assert night.clock.wall_duration_s == pytest.approx(5400 / 48)
    assert night.clock.real_time(0).strftime("%H:%M") == "21:00"
    assert night.sim_users_at(0) == pytest.approx(400)
    assert night.sim_users_at(night.clock.wall_duration_s) == pytest.approx(950 + 750 * 0.75)
    assert load_scenario(ELECTION_NIGHT, duration_s=60, begin="22:00").clock.compress == pytest.approx(
        5 * 3600 / 60
    )
    with pytest.raises(UsageError, match="--begin '25:00': expected a moment"):
        load_scenario(ELECTION_NIGHT, begin="25:00")
    with pytest.raises(UsageError, match="expected a window"):
        load_scenario(ELECTION_NIGHT, begin="22:00", end="21:00")


def test_plan_says_what_compression_does_to_the_visitors(capsys):
    assert main(["plan", "election-night-2016-11-08", "--json", "--no-png", "--duration", "2min"]) == 0
    run = json.loads(capsys.readouterr().out)["run"]
    assert run["compress"] == pytest.approx(240)
    assert run["session_spans_real_s"] == pytest.approx(70.9 * 240, rel=0.01)
    assert run["fresh_share"] == pytest.approx(1 / 240)
    assert run["rps_per_user"] == pytest.approx(9.5 / 70.9, rel=0.01)
    assert (
        main(["plan", "election-night-2016-11-08", "--no-png", "--compress", "48", "--begin", "21:00"]) == 0
    )
    told = capsys.readouterr().out
    assert "a 70.9 s session spans 56.7 min of the curve at x48; 2.1% of the visitors" in told
    assert "light load: 0.135 requests/s a visitor" in told
