"""Target profiles: checked by profile.schema.json through the scenario format's reader (file:line: key:
expected), uniform service times, and a target_app that runs without flashcrowd."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from flashcrowd.cli import main
from flashcrowd_common.errors import ConfigError
from target_app.__main__ import main as target_main
from target_app.profile import (
    FORMAT_VERSION,
    PROFILE_NAMES,
    PROFILES_DIR,
    ProfileSource,
    load_profile,
    parse_distribution,
    profile_schema,
)
from tests.broken_files import expected_message
from tests.cli_helpers import assert_one_line_error

BROKEN = sorted((Path(__file__).parent / "broken_profiles").glob("*.yaml"))
GOOD = """\
format: 1
site: ircc
workers: 2
queue: 4
queue_timeout_s: 1
error_after_wait_s: 0.5
overload: 503
seed: 7
idle_timeout_s: 5
x-note: &shared constant:0.001
service:
  static: *shared
  dynamic: uniform:0.01:0.03
  heavy: lognormal:0.2:0.4
schedule:
  - {at_s: 60, queue: 8}
  - {at_s: 30, workers: 3}
"""


@pytest.mark.parametrize("path", BROKEN, ids=lambda path: path.stem)
def test_broken_profile_gives_its_file_line_key_and_expectation(path, capsys, monkeypatch):
    with pytest.raises(ConfigError) as caught:
        load_profile(str(path))
    assert str(caught.value) == expected_message(path)
    monkeypatch.setattr(sys, "argv", ["python -m target_app", "--profile", str(path), "--explain"])
    assert target_main() == 2
    assert capsys.readouterr().err == f"target_app: error: {expected_message(path)}\n"
    assert_one_line_error(capsys, ["target", "--profile", str(path), "--explain"], 2, expected_message(path))


def test_the_schema_is_versioned_and_every_bundled_profile_matches_it():
    schema = profile_schema()
    assert schema["$schema"].endswith("2020-12/schema") and schema["$id"].endswith(f":{FORMAT_VERSION}")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for name in PROFILE_NAMES:  # as an editor using the schema would see them
        assert validator.is_valid(ProfileSource.read(PROFILES_DIR / f"{name}.yaml").data), name


def test_a_profile_with_uniform_service_and_every_optional_setting_loads(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD)
    profile = load_profile(str(path))
    dynamic = profile.service["dynamic"]
    assert (dynamic.kind, dynamic.low, dynamic.high) == ("uniform", 0.01, 0.03)
    assert profile.mean_service_s("dynamic") == pytest.approx(0.02)
    assert profile.service["heavy"].sigma == 0.4 and profile.error_after_wait_s == 0.5
    assert (profile.overload, profile.seed, profile.idle_timeout_s) == ("503", 7, 5.0)
    assert profile.service["static"].mean == 0.001
    assert [(c.at_s, c.workers, c.queue) for c in profile.schedule] == [(30, 3, None), (60, None, 8)]


def test_uniform_service_times_stay_between_their_bounds():
    uniform = parse_distribution("uniform:0.01:0.03")
    rng = random.Random(1)
    samples = [uniform.sample(rng) for _ in range(2000)]
    assert 0.01 <= min(samples) < 0.011 and 0.029 < max(samples) <= 0.03
    assert sum(samples) / len(samples) == pytest.approx(0.02, rel=0.03)
    assert parse_distribution("uniform:0.05:0.05").sample(rng) == 0.05
    for text in ("uniform:0.03:0.01", "uniform:0.01", "uniform:0.01:0.02:0.03", "uniform:-1:2"):
        with pytest.raises(ValueError):
            parse_distribution(text)


def test_service_and_overrides_on_the_command_line_follow_the_schema(capsys):
    argv = ["target", "--profile", "ci-small", "--explain"]
    assert_one_line_error(capsys, [*argv, "--service", "heavy=uniform:2:1"], 2, "HIGH_S >= LOW_S")
    assert_one_line_error(capsys, [*argv, "--error-after-wait", "0"], 2, "--error-after-wait: expected")
    assert_one_line_error(capsys, [*argv, "--workers", "0"], 2, "--workers: expected an integer >= 1")
    assert_one_line_error(capsys, [*argv, "--schedule", "600:0"], 2, "--schedule: expected AT_S:WORKERS")
    assert main([*argv, "--service", "heavy=uniform:0.1:0.3"]) == 0
    assert "heavy 200 ms" in capsys.readouterr().out


def test_target_app_runs_without_importing_flashcrowd():
    code = (
        "import sys, target_app.__main__, target_app.server, target_app.probe; "
        "sys.argv = ['python -m target_app', '--profile', 'ci-small', '--explain']; "
        "status = target_app.__main__.main(); "
        "assert not [m for m in sys.modules if m.partition('.')[0] == 'flashcrowd'], 'flashcrowd imported'; "
        "sys.exit(status)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "profile ci-small" in done.stdout
