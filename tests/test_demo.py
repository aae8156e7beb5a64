"""`flashcrowd demo`: election night against the bundled site, shortened; and the sentence it ends with."""

from __future__ import annotations

import csv
import re
import socket
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from rate_helpers import assert_rates_follow_plan
from record_helpers import broken_record

from flashcrowd.cli.demo import measured_against_forecast
from flashcrowd.launch.runner import RunOutcome, describe_break
from flashcrowd.planning.capacity import forecast
from flashcrowd.results.break_types import BreakAnswer, FirstFailure, FirstResets, Saturation
from flashcrowd.results.record import Moment, read_record
from flashcrowd.scenario import load_scenario
from target_app.profile import load_profile

ELECTION_NIGHT = Path(__file__).resolve().parents[1] / "scenarios" / "election-night-2016-11-08.yaml"


def _at(hh_mm: str, sim_users: int) -> Moment:
    return Moment(
        wall_s=50.0,
        real_time=f"2016-11-08T{hh_mm}:00-05:00",
        sim_users=sim_users,
        real_users=sim_users * 100.0,
        target_sim_users=sim_users,
    )


def _demo_outcome() -> RunOutcome:
    """A demo's outcome that saturated at 880 simulated visitors (read to 12 %), first failed at 930 and
    began resetting at 1,310."""
    answer = BreakAnswer(
        saturation=Saturation(
            **_at("21:40", 880).point().place(),
            max_served_rps=117.9,
            light_rps_per_unit=0.2,
            evidence="",
            standard_error=105.6,
        ),
        first_failure=FirstFailure(**_at("21:52", 930).point().place(), kind="http_5xx", reason=""),
        first_resets=FirstResets(**_at("22:47", 1310).point().place(), evidence=""),
    )
    record = replace(broken_record(), break_answer=answer)
    scenario = load_scenario(ELECTION_NIGHT, duration_s=120)
    return RunOutcome(1, Path("out"), record, scenario, "http://127.0.0.1:1")


def test_saturation_first_failure_and_resets_are_told_in_real_world_time_and_users():
    outcome = _demo_outcome()
    record, scenario = outcome.record, outcome.scenario
    assert describe_break(outcome) == [
        "The site saturated at 21:40 Eastern on Tue 8 Nov 2016, at 88,000 real-world users (880 simulated), "
        "± 10,560 (12 %, one standard error): it served at most 117.9 requests/s.",
        "It first failed at 21:52 Eastern on Tue 8 Nov 2016, at 93,000 real-world users (930 simulated): "
        "http_5xx.",
        "Connection resets began at 22:47 Eastern on Tue 8 Nov 2016, "
        "at 131,000 real-world users (1,310 simulated).",
    ]
    calm_answer = BreakAnswer(saturation=None, first_failure=None, first_resets=None)
    calm = RunOutcome(
        0, Path("out"), replace(record, break_answer=calm_answer), scenario, "http://127.0.0.1:1"
    )
    span = "during election-night-2016-11-08 (Tue 8 Nov 2016 19:00 to 03:00 Eastern)"
    assert describe_break(calm) == [
        f"The site did not saturate {span}: its throughput kept up with the load.",
        f"It never failed {span} (no 3 s in a row with over 5 % of requests failed).",
        f"No connection resets {span}.",
    ]


def test_the_demo_sets_each_load_it_measured_over_the_models():
    outcome = _demo_outcome()
    capacity = forecast(outcome.scenario, load_profile("ircc-2016"))
    knee, errors, resets = (
        capacity.knee.real_users,
        capacity.first_errors.real_users,
        capacity.first_resets_with_retries.real_users,
    )
    assert measured_against_forecast(outcome, capacity) == (
        f"Measured over the model: saturation {88_000 / knee:.2f} of the knee (one standard error "
        f"{88_000 / knee * 0.12:.2f}), first failure {93_000 / errors:.2f} of the first 500s, "
        f"resets {131_000 / resets:.2f} of resets with retries."
    )
    calm = replace(outcome, record=replace(outcome.record, break_answer=None))
    assert measured_against_forecast(calm, capacity) is None


@dataclass(frozen=True)
class DemoRun:
    """What the default two-minute demo printed and where it wrote its files."""

    stdout: str
    out_dir: Path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """``flashcrowd demo`` as a user runs it, once for this module's tests (two minutes of load)."""
    out_dir = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "demo", "--out", str(out_dir)],
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr  # measured; breaching election night's SLOs is the point
    return DemoRun(result.stdout, out_dir)


@pytest.mark.load
def test_demo_shows_slow_pages_then_500s_then_resets_and_names_the_three_loads(demo):
    """Election night at the demo's scale: the bundled site fails as in 2016."""
    record = read_record(demo.out_dir / "summary.json")
    assert record.scenario.name == "election-night-2016-11-08"
    with (demo.out_dir / "timeline.csv").open() as timeline:
        rows = list(csv.DictReader(timeline))
    first_5xx = next(i for i, r in enumerate(rows) if int(r["http_5xx"]))
    first_reset = next(i for i, r in enumerate(rows) if int(r["connection_reset"]))
    # Compressed 240-fold, the two onsets can fall in the same second: there, the 500s lead.
    until_resets = rows[: first_reset + 1]
    assert first_5xx <= first_reset
    assert sum(int(r["http_5xx"]) for r in until_resets) > sum(
        int(r["connection_reset"]) for r in until_resets
    )
    moments = record.break_answer
    assert moments.first_failure.kind == "http_5xx"
    assert moments.first_failure.real_users <= moments.first_resets.real_users
    lines = demo.stdout.splitlines()
    for point, sentence in (
        (moments.saturation, "The site saturated at"),
        (moments.first_failure, "It first failed at"),
        (moments.first_resets, "Connection resets began at"),
    ):
        told = next(line for line in lines if line.startswith(sentence))
        assert f"at {point.real_users:,.0f} real-world users ({point.users:,} simulated)" in told
    assert f"Report: {demo.out_dir / 'report.html'}" in demo.stdout
    measured = r"^Measured over the model: saturation [\d.]+ of the knee \(one standard error [\d.]+\)"
    assert re.search(measured, demo.stdout, re.M)
    assert re.search(
        r"The ircc-2016 profile's queueing model put the knee near [\d,]+ real-world users.*; "
        r"first 500s near [\d,]+ .*; first resets near [\d,]+ .*; resets with retries near [\d,]+",
        demo.stdout,
    )
    port = int(re.search(r"against http://127\.0\.0\.1:(\d+)", demo.stdout).group(1))
    with pytest.raises(ConnectionRefusedError):  # the bundled target was stopped
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


@pytest.mark.load
def test_the_demos_first_resets_are_where_the_retry_aware_forecast_puts_them(demo):
    """Where the resets began, read from the demo's summary, against the steady-state forecast counting
    the scenario's retries (500s cost service, then half the visitors reload), read from its closing
    sentence. Compressed 240-fold the queue lags the curve by half an hour of it, so the resets are
    placed where the queue had settled (results/settled.py). Fifteen runs of the night (x240, x60 and
    x48 cuts) measured 0.73 to 1.18 of the forecast: near its knee the bundled site can tip into
    answering 500s early (a few slow pages stall it with little spare capacity, and each 500 still
    costs a worker's time), then serves pages without their assets, and where it tips moves its
    saturation, first failure and resets together. Issue 19 keeps that open; every one of those runs
    is within 35 % of the forecast, which this test holds."""
    measured = read_record(demo.out_dir / "summary.json").break_answer.first_resets.real_users
    predicted = re.search(r"resets with retries near ([\d,]+) real-world users", demo.stdout)
    assert predicted, demo.stdout
    forecast = float(predicted.group(1).replace(",", ""))
    assert 0.65 * forecast <= measured <= 1.35 * forecast, (measured, forecast)


@pytest.mark.load
def test_the_demos_visitors_ask_plans_rate_from_the_start(demo):
    """x240: until the knee (wall 0:43) every window's requests per visitor are plan's, since the
    visitors the curve adds join mid-browse (a cold start sent twice as many)."""
    assert_rates_follow_plan(demo.out_dir / "timeline.csv", until_s=40)
