"""The scenario format: one-line schema errors (file:line: key: expected), exit code 2, and what loads."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from flashcrowd.bundled_paths import SCENARIOS_DIR, bundled_scenarios
from flashcrowd.cli import main
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.figures import check_figures
from flashcrowd.scenario.journeys import session_seconds
from flashcrowd.scenario.littles_law import sessions_between
from flashcrowd.scenario.source import ScenarioSource
from flashcrowd.scenario.validate import FORMAT_VERSION, scenario_schema
from flashcrowd_common.errors import ConfigError, UsageError
from tests.broken_files import expected_message

BROKEN = sorted((Path(__file__).parent / "broken_scenarios").glob("*.yaml"))
VALID = (
    (Path(__file__).parent / "broken_scenarios" / "misspelt-key.yaml").read_text().replace("stpes:", "steps:")
)


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_broken_corpus_covers_the_issue():
    names = {path.stem for path in BROKEN}
    for case in ("bad-yaml", "misspelt-key", "wrong-unit", "negative-value", "time-before-start",
                 "non-monotonic-times", "shares-not-summing", "empty-journeys", "empty-steps"):  # fmt: skip
        assert case in names


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_broken_scenario_gives_its_precise_message_and_exit_code_2(path, capsys):
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert str(caught.value) == expected_message(path)
    assert main(["plan", str(path), "--no-png"]) == 2
    err = capsys.readouterr().err
    assert err == f"flashcrowd: error: {expected_message(path)}\n"


def test_cli_prints_one_line_without_traceback():
    path = next(p for p in BROKEN if p.stem == "misspelt-key")
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "plan", str(path), "--no-png"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr == f"flashcrowd: error: {expected_message(path)}\n"
    assert "did you mean 'steps'?" in result.stderr


def test_the_corpus_base_is_valid_so_each_file_breaks_one_thing(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID))
    assert scenario.name == "broken-example"


def test_clock_times_stay_times_not_yaml_sexagesimal_numbers(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID))
    # keyframes "22:00" and "23:00" are an hour apart, then held 30 min
    assert [k.at_s for k in scenario.users.keyframes] == [0.0, 3600.0, 5400.0]
    assert scenario.clock.duration_s == 5400.0
    assert scenario.clock.real_time(0).isoformat() == "2016-11-08T22:00:00-05:00"


def test_step_jumps_and_hold_keeps(tmp_path):
    text = VALID.replace(
        '    - {at: "23:00", value: 200000}\n',
        '    - {at: "22:30", value: 50000, step: true}\n    - {at: "23:00", value: 200000}\n',
    )
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.real_users_at(1799) == 17000
    assert scenario.real_users_at(1800) == 50000
    assert scenario.real_users_at(2700) == pytest.approx(125000)
    assert scenario.real_users_at(4000) == 200000  # held


def test_moments_across_a_dst_change_count_real_seconds(tmp_path):
    # Clocks in Toronto went back an hour at 02:00 on 6 November 2016: 00:00 to 03:00 was four hours.
    text = VALID.replace('start: "2016-11-08 22:00"', 'start: "2016-11-06 00:00"')
    text = text.replace('{at: "22:00", value: 17000}', '{at: "00:00", value: 17000}')
    text = text.replace('{at: "23:00", value: 200000}', '{at: "03:00", value: 200000}')
    text = text.replace('at: "22:00"\n', 'at: "00:00"\n').replace('at: "23:00"\n', 'at: "03:00"\n')
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.users.keyframes[1].at_s == 4 * 3600


def test_overrides_scale_compress_and_duration(tmp_path):
    path = write(tmp_path, VALID)
    assert load_scenario(path).clock.compress == 60
    assert load_scenario(path, scale=0.5).sim_users_at(0) == 8500
    assert load_scenario(path, compress=90).clock.wall_duration_s == 60
    assert load_scenario(path, duration_s=30).clock.compress == 180  # 1.5 h of curve in 30 s
    with pytest.raises(UsageError, match="--scale"):
        load_scenario(path, scale=0)


def test_session_length_comes_from_the_journeys_unless_stated(tmp_path):
    scenario = load_scenario(write(tmp_path, VALID))
    # browse (weight 1): 1 + 0.8 pages; questionnaire (weight 0.5): 2 pages; 20 s think after each
    expected = (1.8 * 20 * 1 + 2 * 20 * 0.5) / 1.5
    assert scenario.session_duration_s == pytest.approx(expected)
    assert session_seconds(scenario.journeys, scenario.think_time) == pytest.approx(expected)
    stated = load_scenario(write(tmp_path, VALID + "session: {mean: 5min}\n"))
    assert stated.session_duration_s == 300 and stated.session_stated


def test_assets_are_fetched_after_the_first_page_without_think_time(tmp_path):
    text = VALID.replace(
        "    weight: 1\n", "    weight: 1\n    assets: [/assets/css/theme.css, /assets/js/jquery.js]\n"
    )
    journey = load_scenario(write(tmp_path, text)).journeys[0]
    assert [step.path for step in journey.steps] == [
        "/english/index.asp", "/assets/css/theme.css", "/assets/js/jquery.js", "/english/immigrate/index.asp"
    ]  # fmt: skip
    assert journey.steps[1].think.mean == 0


def test_sessions_per_hour_become_concurrent_users_by_littles_law(tmp_path):
    text = VALID.replace("unit: concurrent_users", "unit: sessions_per_hour") + "session: {mean: 5min}\n"
    scenario = load_scenario(write(tmp_path, text))
    # 200,000 sessions an hour, each 5 min long: 200,000 / 12 on the site at once
    assert scenario.real_users_at(3600) == pytest.approx(200000 * 300 / 3600)


def test_sessions_per_day_keep_each_days_total(tmp_path):
    profile = "[" + ", ".join(["1"] * 8 + ["3"] * 12 + ["2"] * 4) + "]"
    text = VALID.replace("unit: concurrent_users", "unit: sessions_per_day")
    text = text.replace(
        '    - {at: "22:00", value: 17000}\n    - {at: "23:00", value: 200000}\n    - {hold: 30min}\n',
        f'    - {{at: "2016-11-09", value: 100000}}\n    - {{at: "2016-11-10", value: 400000, step: true}}\n'
        f"    - {{hold: 1d}}\n  hourly_profile: {profile}\n",
    )
    text = text.replace('start: "2016-11-08 22:00"', 'start: "2016-11-09 00:00"')
    text = text.replace('at: "22:00"', 'at: "00:00"').replace('at: "23:00"', 'at: "12:00"')
    scenario = load_scenario(write(tmp_path, text))
    users, session = scenario.users, scenario.session_duration_s
    assert sessions_between(users, session, 0, 86400) == pytest.approx(100000, rel=0.01)
    assert sessions_between(users, session, 86400, 2 * 86400) == pytest.approx(400000, rel=0.01)
    # The profile shapes the day: 13:30 (share 3/52 of the day) is three times 03:30 (1/52).
    assert scenario.real_users_at(13.5 * 3600) == pytest.approx(3 * scenario.real_users_at(3.5 * 3600))


def test_schema_is_draft_2020_12_with_a_versioned_id_and_accepts_every_bundled_scenario():
    schema = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema") and schema["$id"].endswith(f":{FORMAT_VERSION}")
    validator = jsonschema.Draft202012Validator(schema)
    for name in bundled_scenarios():
        data = ScenarioSource.read(SCENARIOS_DIR / f"{name}.yaml").data
        assert not list(validator.iter_errors(data)), name
    # The same file editors use: shipped with the package, valid JSON.
    assert json.loads((Path(__file__).parents[1] / "flashcrowd/scenario/schema.json").read_text()) == schema


def test_the_worked_example_in_the_docs_loads_and_models_its_figure(tmp_path):
    docs = (Path(__file__).parents[1] / "docs" / "scenarios.md").read_text()
    example = next(
        block for block in re.findall(r"```yaml\n(.*?)```", docs, re.S) if "flashcrowd: 1" in block
    )
    scenario = load_scenario(write(tmp_path, example))
    (check,) = check_figures(scenario)
    assert abs(check.deviation) <= 0.02
    assert scenario.clock.wall_duration_s <= 30 * 60
