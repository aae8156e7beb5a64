"""The retry-aware forecast: retries inflate the tries once failures start; plan and the demo show both."""

from __future__ import annotations

import dataclasses

import pytest

from flashcrowd.breakpoint.prediction import predict
from flashcrowd.cli import main
from flashcrowd.launch.paths import SCENARIOS_DIR
from flashcrowd.planning.retries import predict_with_retries
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.model import RetryPolicy
from target_app import theory
from target_app.profile import load_profile

ELECTION = SCENARIOS_DIR / "election-night-2016-11-08.yaml"


def test_a_failed_try_costs_a_geometric_series_of_tries():
    assert theory.attempts_per_request(0.0, 0.7, 3) == 1.0
    assert theory.attempts_per_request(1.0, 0.7, 3) == pytest.approx(1 + 0.7 + 0.49 + 0.343)
    assert theory.attempts_per_request(0.5, 1.0, 0) == 1.0


def test_retries_solve_to_the_least_self_consistent_failure():
    calm = theory.retry_load(50.0, 4, 0.03, 104, 104, 0.7, 3)
    assert calm.failure < 1e-6 and calm.arrival_rate == pytest.approx(50.0)
    # Errors from 60 in the system and eager retries near capacity: a retry storm, every try fails.
    storm = theory.retry_load(125.0, 4, 0.03, 104, 60, 1.0, 3)
    assert storm.failure > 0.99 and storm.arrival_rate == pytest.approx(4 * 125.0, rel=0.01)


def test_election_night_resets_begin_before_the_mean_queue_fills_the_room():
    scenario, profile = load_scenario(ELECTION), load_profile("ircc-2016")
    prediction = predict_with_retries(scenario, profile)
    # The demo measured the first resets at 84,100 real users; N* + K says 98,161.
    assert prediction.users / scenario.scale == pytest.approx(84_100, rel=0.10)
    assert prediction.users <= prediction.users_without_retries
    # The same load for an open model, just under the site's c/S in sessions a second.
    open_break = predict("open", scenario, profile).break_
    assert 0.9 * open_break < prediction.sessions_per_s < open_break


def test_errors_before_resets_make_retries_bring_the_resets_forward():
    scenario, profile = load_scenario(ELECTION), load_profile("ircc-2016")
    erroring = predict_with_retries(scenario, profile, error_after_wait_s=0.5)
    quiet = dataclasses.replace(scenario, on_error=RetryPolicy(0.0, scenario.on_error.delay, 0))
    without = predict_with_retries(quiet, profile, error_after_wait_s=0.5)
    assert erroring.users < 0.97 * erroring.users_without_retries
    assert without.users == pytest.approx(erroring.users_without_retries, abs=1)
    assert erroring.attempts_per_request > 1.5


def test_the_prediction_follows_the_profile():
    scenario, profile = load_scenario(ELECTION), load_profile("ircc-2016")
    bigger = dataclasses.replace(profile, workers=8, queue=200)
    assert predict_with_retries(scenario, bigger).users > 1.8 * predict_with_retries(scenario, profile).users


def test_plan_shows_the_first_resets_with_and_without_retries(capsys):
    assert main(["plan", str(ELECTION), "--no-png"]) == 0
    shown = capsys.readouterr().out
    assert "first resets              982 simulated =      98,161 real users" in shown
    assert "with retries" in shown and "retries (p = 0.7, m = 3)" in shown
