"""Election night at x48 against the bundled site: the three loads a run measures are plan's forecast.

A cut of the night that crosses the knee (21:00 to 22:30 Eastern, 112 wall seconds, with 45 minutes
of light load first to measure what a visitor asks): where the run says the site saturated, first
answered 500 and began resetting, in real-world users, lies within 10 % of the ircc-2016 profile's
queueing model (`flashcrowd plan`), the figures the demo prints beside its own. The demo (x240) is
checked on its own run in test_demo.py."""

from __future__ import annotations

import pytest
from run_helpers import ELECTION_NIGHT, run

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.planning.capacity import forecast
from flashcrowd.results.record import read_record
from flashcrowd.scenario import load_scenario
from target_app.profile import load_profile

pytestmark = pytest.mark.load


def test_a_cut_of_the_night_at_x48_saturates_fails_and_resets_where_plan_says(tmp_path):
    out = run(
        ELECTION_NIGHT,
        *("--compress", "48", "--begin", "21:00", "--end", "22:30", "--seed", "3"),
        out=tmp_path / "run",
        timeout_s=220,
    )
    found = read_record(out / "summary.json").break_answer
    scenario = load_scenario(resolve_scenario(ELECTION_NIGHT))
    model = forecast(scenario, load_profile(scenario.target_profile))
    assert found.saturation and found.first_failure and found.first_resets, found
    assert found.first_failure.kind == "http_5xx", found.first_failure
    for measured, forecast_point in (
        (found.saturation, model.knee),
        (found.first_failure, model.first_errors),
        (found.first_resets, model.first_resets_with_retries),
    ):
        assert measured.real_users == pytest.approx(forecast_point.real_users, rel=0.10), (found, model)
