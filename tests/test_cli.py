"""The CLI's shared behaviour: help, one-line usage errors with exit code 2, the loopback guard."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cli_helpers import assert_one_line_error

from flashcrowd.bundled_paths import SCENARIOS_DIR
from flashcrowd.cli import COMMANDS, main
from flashcrowd.load_models.run_size import BYTES_PER_VISITOR, check_peak_fits
from flashcrowd.scenario import load_scenario
from flashcrowd_common.errors import RefusedTargetError, UsageError
from flashcrowd_common.safety import check_target


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flashcrowd", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("demo", "run", "plan", "scenario", "target", "find-break", "smoke", "compare"):
        assert command in result.stdout
    assert len(COMMANDS) == 8


@pytest.mark.parametrize(
    "command",
    [
        "demo",
        "run",
        "plan",
        "scenario",
        "target",
        "find-break",
        "smoke",
        "scenario flash",
        "scenario from-log",
        "scenario from-har",
    ],
)
def test_each_subcommand_has_help_with_examples(command):
    result = run_cli(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert "examples:" in result.stdout


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("demo", "--no-such-flag"), "--no-such-flag"),  # a bad flag
        (("plan", "/nonexistent/scenario.yaml"), "/nonexistent/scenario.yaml"),  # a missing scenario file
    ],
)
def test_bad_input_is_one_line_naming_it_and_exit_2(argv, named):
    result = run_cli(*argv)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert named in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9000/", "http://127.9.9.9"]
)
def test_loopback_targets_are_allowed(url):
    assert check_target(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://10.0.0.1", "http://example.com", "https://192.168.1.5:443"])
def test_remote_targets_are_refused_unless_allowed(url, monkeypatch):
    monkeypatch.delenv("FLASHCROWD_ALLOW_REMOTE_TARGET", raising=False)
    with pytest.raises(RefusedTargetError, match="not this machine"):
        check_target(url)
    assert check_target(url, allow_remote=True) == url
    monkeypatch.setenv("FLASHCROWD_ALLOW_REMOTE_TARGET", "1")
    assert check_target(url) == url


def test_not_a_url_is_a_usage_error():
    with pytest.raises(UsageError, match="expected an http"):
        check_target("127.0.0.1:8080")


def test_main_turns_errors_into_exit_codes(capsys):
    assert main(["plan", "/nonexistent.yaml"]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (("run", "ci-smoke", "--scale", "inf"), "argument --scale: expected a number > 0, got 'inf'"),
        (("plan", "ci-smoke", "--compress", "nan"), "argument --compress: expected a number > 0"),
        (("target", "--port", "70000"), "argument --port: expected a port number from 0 to 65535"),
        (("target", "--explain", "--think-time", "-1"), "argument --think-time: expected a duration"),
        (("target", "--explain", "--arrival-rate", "nan"), "argument --arrival-rate: expected a number > 0"),
        (("target", "--queue-timeout=-3s"), "argument --queue-timeout: expected a duration"),
        (("find-break", "--max-p95", "inf"), "argument --max-p95: expected a duration"),
        (("find-break", "--resolution", "nan"), "argument --resolution: expected a share"),
        (("find-break", "--read-timeout", "0"), "argument --read-timeout: expected a duration longer than 0"),
        (("run", "ci-smoke", "--profile", "nope"), "profile 'nope': no such file"),
        (("smoke", "--host", "http://192.0.2.10"), "refusing to send load to 192.0.2.10"),
        (("demo", "--duration", "soon"), "--duration 'soon': expected a duration"),
        (("find-break", "--profile", "nope"), "profile 'nope': no such file"),
    ],
)
def test_out_of_range_values_are_refused_by_their_flag(capsys, args, names):
    assert_one_line_error(capsys, list(args), 2, names)


def test_a_scale_that_leaves_nobody_is_refused_before_anything_starts(capsys):
    argv = ["run", "ci-smoke", "--scale", "1e-12"]
    assert_one_line_error(capsys, argv, 2, "--scale 1e-12: gives 2e-11 simulated users at the peak; expected")


def test_a_scale_past_this_machines_memory_is_refused(capsys):
    assert_one_line_error(
        capsys,
        ["run", "ci-smoke", "--scale", "1e12"],
        2,
        "--scale 1e+12: gives 20,000,000,000,000 simulated users at the peak",
        "expected a smaller scale, or Locust workers on several machines",
    )


def test_a_bad_scale_written_in_the_scenario_points_at_its_line(capsys, tmp_path):
    written = (SCENARIOS_DIR / "ci-smoke.yaml").read_text()
    assert "\nscale: 1.0\n" in written
    line_number = written[: written.index("\nscale: 1.0\n")].count("\n") + 2
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text(written.replace("\nscale: 1.0\n", "\nscale: 1.0e-9\n"))
    expected = f"{tiny}:{line_number}: scale: 1e-09 gives 2e-08 simulated users at the peak"
    assert_one_line_error(capsys, ["run", str(tiny)], 2, expected)


def test_the_memory_check_allows_exactly_what_fits():
    scenario = load_scenario(SCENARIOS_DIR / "ci-smoke.yaml")
    peak = scenario.scale * scenario.users.peak.value
    check_peak_fits(scenario, None, available_bytes=int(peak * BYTES_PER_VISITOR))
    with pytest.raises(UsageError, match="--scale 1: gives 20 simulated users"):
        check_peak_fits(scenario, 1.0, available_bytes=int(peak * BYTES_PER_VISITOR) - 1)


@pytest.mark.parametrize(
    ("command", "flag", "expected"),
    [
        (["run", "ci-smoke"], "--out", "cannot create it"),
        (["demo"], "--out", "cannot create it"),
        (["find-break"], "--out", "cannot create it"),
        (["plan", "ci-smoke"], "--png", "cannot write it"),
    ],
)
def test_an_output_path_that_cannot_be_written_is_refused_before_anything_starts(
    capsys, tmp_path, command, flag, expected
):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    beneath = a_file / "results"
    line = assert_one_line_error(capsys, [*command, flag, str(beneath)], 2)  # no banner, no traceback
    assert line.startswith(f"flashcrowd: error: {flag} {beneath}: {expected} (")
    assert line.endswith("); expected a writable " + ("directory" if flag == "--out" else "path"))
