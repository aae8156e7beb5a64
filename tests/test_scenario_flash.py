"""The flash-crowd curve (format 2's load.flash), `scenario flash`, and `plan` showing its phases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from flashcrowd.bundled_paths import SCENARIOS_DIR
from flashcrowd.cli import main
from flashcrowd.cli.scenario.flash import median_load
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.figures import check_figures
from flashcrowd.scenario.flash import FlashCrowd
from tests.cli_helpers import assert_one_line_error


def test_phases_follow_the_shock_level_as_ari_et_al_describe():
    model = FlashCrowd(baseline=1000, shock=20, start_s=600, time_unit_s=3600)
    up, sustained, down = model.phases()
    assert up.end_s - up.start_s == pytest.approx(3600 / math.log10(21))  # 45.4 min
    assert sustained.end_s - sustained.start_s == pytest.approx(3600 * math.log10(21))  # 79.3 min
    assert down.end_s - down.start_s == pytest.approx(4 * (up.end_s - up.start_s))
    assert (up.from_value, sustained.to_value, down.to_value) == (1000, 20000, 1000)
    # A bigger shock ramps up faster and lasts longer.
    bigger = FlashCrowd(1000, 100, 600, 3600)
    assert bigger.ramp_up_s < model.ramp_up_s and bigger.sustained_s > model.sustained_s
    assert [k.value for k in model.keyframes()] == [1000, 1000, 20000, 20000, 1000]


def test_the_election_night_variant_is_a_flash_crowd_of_shock_11_8():
    scenario = load_scenario(SCENARIOS_DIR / "election-night-flash-2016-11-08.yaml")
    assert scenario.flash is not None and scenario.flash.shock == pytest.approx(200_000 / 17_000, abs=0.05)
    assert scenario.real_users_at(0) == 17_000
    assert scenario.clock.wall_duration_s <= 30 * 60


def test_flash_writes_a_scenario_that_plan_shows_with_its_phases_and_figures(tmp_path: Path, capsys):
    output = tmp_path / "launch.yaml"
    argv = ["scenario", "flash", "--baseline", "8000", "--shock", "20", "--start", "2025-03-11 09:00",
            "--timezone", "America/Vancouver", "--output", str(output)]  # fmt: skip
    assert main(argv) == 0
    scenario = load_scenario(output)
    assert scenario.users.peak.value == pytest.approx(160_000)
    capsys.readouterr()
    assert main(["plan", str(output), "--no-png"]) == 0
    shown = capsys.readouterr().out
    assert "shock S = 20" in shown and "peak 160,000" in shown
    for phase, length in (("ramp-up", "45.4 min"), ("sustained", "79.3 min"), ("ramp-down", "3.03 h")):
        line = next(line for line in shown.splitlines() if line.strip().startswith(phase))
        assert "2025-03-11" in line and length in line
    assert "B   the baseline before the surge" in shown and "160,000      160,000      +0.0%" in shown


def test_flash_in_sessions_per_hour_models_its_own_figures(tmp_path: Path, capsys):
    output = tmp_path / "hourly.yaml"
    argv = ["scenario", "flash", "--baseline", "500", "--shock", "20", "--unit", "sessions_per_hour",
            "--start", "2025-03-11 09:00", "--output", str(output)]  # fmt: skip
    assert main(argv) == 0
    checks = check_figures(load_scenario(output))
    assert [c.figure.id for c in checks] == ["B", "P"]
    assert all(abs(c.deviation) < 0.01 for c in checks)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("flashcrowd: 2", "flashcrowd: 1"), ("flashcrowd: expected 2 for a curve written as load.flash",)),
        (
            ("  flash:", "  keyframes: [{at: '19:00', value: 1}]\n  flash:"),
            ("load: expected keyframes or flash",),
        ),
        (("shock: 11.8", "shock: 0.5"), ("load.flash.shock", "> 1")),
    ],
)
def test_a_broken_flash_curve_is_one_line(tmp_path: Path, capsys, change, words):
    text = (SCENARIOS_DIR / "election-night-flash-2016-11-08.yaml").read_text()
    assert change[0] in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(change[0], change[1], 1))
    assert_one_line_error(capsys, ["plan", str(path), "--no-png"], 2, "broken.yaml:", *words)


def test_a_shock_below_one_is_a_usage_error(tmp_path: Path, capsys):
    argv = ["scenario", "flash", "--baseline", "10", "--shock", "0.9", "--start", "2025-01-01 00:00",
            "--output", str(tmp_path / "x.yaml")]  # fmt: skip
    assert_one_line_error(capsys, argv, 2, "--shock", "> 1")


def test_the_baseline_can_be_another_scenarios_median_load(tmp_path: Path, capsys):
    ordinary = SCENARIOS_DIR / "baseline-2016-11-01.yaml"
    output = tmp_path / "surge.yaml"
    argv = ["scenario", "flash", "--baseline-from", str(ordinary), "--shock", "5",
            "--start", "2025-01-01 12:00", "--output", str(output)]  # fmt: skip
    assert main(argv) == 0
    source, surge = load_scenario(ordinary), load_scenario(output)
    median = median_load(source, "concurrent_users")
    assert surge.flash is not None and surge.flash.baseline == pytest.approx(median, rel=1e-3)  # 4 digits
    assert min(k.value for k in source.users.keyframes) <= surge.flash.baseline <= source.users.peak.value
    assert [j.name for j in surge.journeys] == [j.name for j in source.journeys]  # its visitors, too
    assert "--baseline-from baseline-2016-11-01.yaml" in surge.figures[0].source
