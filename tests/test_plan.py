"""`flashcrowd plan`: figures, implied units with contradiction warnings, the simulated run and the knee."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flashcrowd.cli import main
from flashcrowd.planning import make_plan
from flashcrowd.planning.capacity import first_crossing
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.model import Curve, Keyframe
from target_app.profile import load_profile

# One journey of one dynamic page on ci-small (2 workers, queue 8, 1 s queue timeout, dynamic 5 ms).
ONE_PAGE = """\
flashcrowd: 1
name: one-page
clock: {start: "2016-11-08 22:00", timezone: America/Toronto, compress: 60}
scale: 1
load:
  unit: concurrent_users
  keyframes:
    - {at: "22:00", value: 1000}
    - {at: "23:00", value: 5000}
origins:
  - {at: "22:00", shares: {US: 1.0}}
think_time: 10s
journeys:
  - {name: read, weight: 1, steps: [{name: home, get: /english/index.asp}]}
target: {profile: ci-small}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    return path


def test_plan_prints_chart_figures_run_and_target_and_writes_a_png(tmp_path, capsys):
    png = tmp_path / "plans" / "election.png"
    assert main(["plan", "election-night-2016-11-08", "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "┤" in out and "█" in out  # the terminal chart
    assert "F1" in out and "200,000" in out and "202,000" in out and "+1.0%" in out
    assert "F5 contradicts this curve" in out
    assert "peak 2,020 simulated users (scale 0.01) at 2016-11-08 23:00 EST" in out
    assert "knee" in out and "first resets" in out and "reached at 2016-11-08 2" in out
    assert f"Chart written to {png}" in out
    assert png.read_bytes().startswith(b"\x89PNG")


def test_plan_json_and_overrides(capsys):
    assert (
        main(["plan", "storm-week-2016-11-08-16", "--json", "--no-png", "--duration", "2min", "--scale", "1"])
        == 0
    )
    plan = json.loads(capsys.readouterr().out)
    assert plan["run"]["wall_duration_s"] == pytest.approx(120)
    assert plan["run"]["scale"] == 1
    assert {figure["id"] for figure in plan["figures"]} >= {"F5", "F6", "F8", "F9"}
    assert all(abs(figure["deviation"]) <= 0.02 for figure in plan["figures"])
    days = [row for row in plan["implied"] if row["unit"] == "sessions per day"]
    assert len(days) == 10 and days[2]["what"] == "sessions on 2016-11-09"
    assert plan["png"] is None


def test_knee_and_first_resets_follow_queueing_theory(tmp_path):
    scenario = load_scenario(write(tmp_path, ONE_PAGE))
    plan = make_plan(scenario, load_profile("ci-small"))
    # N* = c(S+Z)/S = 2 x (0.005 + 10) / 0.005; resets when the 8-slot waiting room is full
    knee = 2 * (0.005 + 10) / 0.005
    assert plan.capacity.knee.sim_users == pytest.approx(knee)
    assert plan.capacity.first_resets.sim_users == pytest.approx(knee + 8)
    # the curve climbs 4,000 users an hour from 1,000: it crosses the knee after (knee - 1000)/4000 h
    assert plan.capacity.knee.wall_s == pytest.approx((knee - 1000) / 4000 * 3600 / 60, abs=1)
    assert plan.capacity.knee.real_time == "2016-11-08 22:45 EST"
    # expected requests/s: users / (think + service) per request, at most c/S once saturated
    assert plan.run.offered_rps_at_peak == pytest.approx(5000 / 10.005)
    assert plan.run.served_rps_at_peak == pytest.approx(min(5000 / 10.005, 2 / 0.005))


def test_units_that_contradict_each_other_are_flagged(tmp_path):
    # The example: 200,000 concurrent users for an hour, 5-minute sessions: 2.4 million sessions.
    text = ONE_PAGE.replace("value: 1000}", "value: 200000}").replace("value: 5000}", "value: 200000}")
    text += "session: {mean: 5min}\n"
    text += """\
figures:
  - id: X1
    source: analytics.csv
    text: 300,000 sessions that hour
    value: 300000
    modelled: false
    measure: {kind: sessions, from: "22:00", to: "23:00"}
"""
    plan = make_plan(load_scenario(write(tmp_path, text)), None)
    implied = {row.what: row.value for row in plan.implied}
    assert implied["sessions per hour at the peak"] == pytest.approx(2_400_000)
    assert implied["sessions in the busiest clock hour"] == pytest.approx(2_400_000)
    warnings = " ".join(plan.warnings)
    assert "X1 contradicts this curve" in warnings and "8.0 times" in warnings
    assert "they would agree if a session lasted 40 min" in warnings
    assert "session.mean 5 min contradicts the journeys" in warnings  # one 10 s page is no 5-minute visit


def test_no_warning_when_units_agree(tmp_path):
    text = (
        ONE_PAGE
        + """\
figures:
  - {id: X1, source: a.csv, text: users at 22:30, value: 3000, measure: {kind: concurrent_users, at: "22:30"}}
"""
    )
    plan = make_plan(load_scenario(write(tmp_path, text)), load_profile("ci-small"))
    assert plan.warnings == []
    assert plan.figures[0].deviation == 0


def test_first_crossing_on_ramps_steps_and_never():
    curve = Curve(
        "concurrent_users", (Keyframe(0, 10), Keyframe(100, 110), Keyframe(100, 500), Keyframe(200, 0))
    )
    assert first_crossing(curve, 60) == pytest.approx(50)
    assert first_crossing(curve, 300) == 100  # reached by the step
    assert first_crossing(curve, 5) == 0
    assert first_crossing(curve, 501) is None


def test_an_unlimited_profile_has_no_knee_and_the_json_stays_strict(capsys):
    assert main(["plan", "ci-smoke", "--profile", "unbounded", "--no-png", "--json"]) == 0

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    plan = json.loads(capsys.readouterr().out, parse_constant=refuse)
    assert plan["capacity"]["knee"]["sim_users"] is None and plan["capacity"]["max_rps"] is None
    assert main(["plan", "ci-smoke", "--profile", "unbounded", "--no-png"]) == 0
    assert "no knee, no 500s and no resets" in capsys.readouterr().out
