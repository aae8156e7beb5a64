"""`flashcrowd smoke`: a healthy site passes; an overloaded one fails with exit 1 and a JUnit failure."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from flashcrowd.results.record import read_record
from flashcrowd_common.errors import ExitCode

SMOKE_BUDGET_S = 60  # the whole gate, start-up included


def smoke(*args: str, timeout: float = SMOKE_BUDGET_S + 30) -> subprocess.CompletedProcess[str]:
    """``flashcrowd smoke`` as a pipeline runs it, in a child process."""
    command = [sys.executable, "-m", "flashcrowd", "smoke", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def failed_cases(junit_path) -> dict[str, str]:
    suite = ET.parse(junit_path).getroot()
    return {
        case.get("name"): case.find("failure").get("message")
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    }


@pytest.mark.load
def test_a_healthy_site_passes_within_a_minute(target_factory, tmp_path):
    target = target_factory("ci-small")
    result = smoke("--host", target.url, "--out", str(tmp_path))

    assert result.returncode == ExitCode.OK, result.stderr[-2000:]
    record = read_record(tmp_path / "summary.json")
    assert record.totals.requests > 300 and record.first_reset is None
    assert [slo.breached for slo in record.slos] == [False, False, False]
    assert failed_cases(tmp_path / "junit.xml") == {}
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert record.totals.duration_s <= SMOKE_BUDGET_S - 10


@pytest.mark.load
def test_an_overloaded_site_fails_with_the_slo_exit_code_and_a_junit_failure(target_factory, tmp_path):
    # One worker, no waiting room, slow pages: most connections are reset.
    overloaded = [
        "--workers",
        "1",
        "--queue",
        "0",
        "--service",
        "dynamic=constant:0.2",
        "--service",
        "heavy=constant:0.5",
        "--service",
        "static=constant:0.05",
    ]
    target = target_factory("ci-small", overloaded)
    result = smoke("--host", target.url, "--out", str(tmp_path), "--stop-on-breach")

    assert result.returncode == ExitCode.SLO_BREACHED, result.stderr[-2000:]
    assert "SLO breached: errors under 1 %" in result.stdout
    failures = failed_cases(tmp_path / "junit.xml")
    assert "errors under 1 %" in failures and "SLO errors under 1 % breached" in failures["errors under 1 %"]
    record = read_record(tmp_path / "summary.json")
    assert record.stopped_by.slo in failures
    assert record.totals.failures_by_kind["connection_reset"] > 0


def test_a_scenario_too_long_for_the_gate_is_refused_in_one_line():
    result = smoke("--scenario", "election-night-2016-11-08", timeout=30)
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.strip().count("\n") == 0 and "at most 50 s" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_site_that_does_not_answer_is_unreachable(tmp_path):
    result = smoke("--host", "http://127.0.0.1:9", "--out", str(tmp_path), timeout=30)
    assert result.returncode == ExitCode.TARGET_UNREACHABLE
    assert result.stderr.strip().count("\n") == 0, result.stderr  # the cause and fix, before any banner
    assert "connection refused" in result.stderr and "Traceback" not in result.stderr
