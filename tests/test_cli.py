"""The CLI's shared behaviour: help, one-line usage errors with exit code 2, the loopback guard."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flashcrowd.cli import COMMANDS, main
from flashcrowd.errors import RefusedTargetError, UsageError
from flashcrowd.safety import check_target


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flashcrowd", *args], capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("demo", "run", "plan", "target", "find-break", "smoke"):
        assert command in result.stdout
    assert len(COMMANDS) == 6


@pytest.mark.parametrize("command", ["demo", "run", "plan", "target", "find-break", "smoke"])
def test_each_subcommand_has_help_with_examples(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert "examples:" in result.stdout


def test_bad_flag_is_one_line_and_exit_2():
    result = run_cli("demo", "--no-such-flag")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "--no-such-flag" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_scenario_file_is_one_line_and_exit_2():
    result = run_cli("plan", "/nonexistent/scenario.yaml")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "/nonexistent/scenario.yaml" in result.stderr
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
