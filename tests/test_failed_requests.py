"""Failed requests count in every verdict: against nginx (started here) answering 404s or 503s, a run and a
smoke run whose scenario has only a latency SLO exit 1, never 0, and never say "passed"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from stacks import StackUnavailable, nginx_answering

from flashcrowd.results.record import read_record
from flashcrowd.results.slo import DEFAULT_ERROR_OBJECTIVE
from flashcrowd_common.errors import ExitCode

pytestmark = pytest.mark.load

# 10 visitors for 5 s, one page a visit and then, at random, a second; only a latency SLO.
SCENARIO = """\
flashcrowd: 1
name: {name}
description: Ten visitors for 5 s; only a latency SLO.
clock: {{start: "2016-11-08 23:00", timezone: America/Toronto, compress: 1}}
scale: 1.0
load:
  unit: concurrent_users
  keyframes:
    - {{at: "+0s", value: 10}}
    - {{at: "+5s", value: 10}}
origins: [{{at: "+0s", shares: {{US: 1.0}}}}]
think_time: {{distribution: exponential, mean: 0.2s}}
journeys:
  - name: visit
    weight: 1
    steps:
      - {{name: first, get: {first}}}
      - {{name: second, get: {second}, probability: 0.3}}
slos:
  - {{name: p95 under 1 s, metric: p95_ms, op: "<=", threshold: 1000, window: 5s}}
seed: 5
"""


def flashcrowd(command: str, scenario: Path, host: str, out: Path) -> subprocess.CompletedProcess[str]:
    """``flashcrowd run|smoke`` of ``scenario`` against ``host``, in a child process (bounded)."""
    scenario_flag = ["--scenario"] if command == "smoke" else []
    argv = [command, *scenario_flag, str(scenario), "--host", host, "--out", str(out)]
    return subprocess.run(
        [sys.executable, "-m", "flashcrowd", *argv], capture_output=True, text=True, timeout=90, check=False
    )


def scenario_file(directory: Path, name: str, first: str, second: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(SCENARIO.format(name=name, first=first, second=second), encoding="utf-8")
    return path


def test_a_run_whose_requests_404_beyond_the_default_objective_is_breached(tmp_path):
    scenario = scenario_file(tmp_path, "moved-page", first="/", second="/old-page")  # 404s, nginx's own
    try:
        with nginx_answering({}) as url:
            result = flashcrowd("run", scenario, url, tmp_path / "out")
    except StackUnavailable as missing:
        pytest.skip(str(missing))

    output = result.stdout + result.stderr
    assert result.returncode == ExitCode.SLO_BREACHED, output
    record = read_record(tmp_path / "out" / "summary.json")
    failed = record.totals.failures_by_kind.get("http_4xx", 0)
    assert failed == record.totals.failures > 0.1 * record.totals.requests, record.totals
    latency, errors = record.slos
    assert not latency.breached and errors.name == DEFAULT_ERROR_OBJECTIVE.name and errors.breached
    assert f"SLO breached: {DEFAULT_ERROR_OBJECTIVE.name}" in result.stdout
    assert result.stdout.count("slo_breached: ") == 1 and "passed" not in result.stdout


def test_a_smoke_run_in_which_every_request_failed_never_passes(tmp_path):
    scenario = scenario_file(tmp_path, "maintenance", first="/app", second="/app/status")
    try:
        with nginx_answering({"/app": 503, "/app/status": 503}) as url:
            result = flashcrowd("smoke", scenario, url, tmp_path / "out")
    except StackUnavailable as missing:
        pytest.skip(str(missing))

    output = result.stdout + result.stderr
    assert result.returncode == ExitCode.SLO_BREACHED, output
    record = read_record(tmp_path / "out" / "summary.json")
    assert record.totals.all_failed and record.totals.failures_by_kind == {"http_5xx": record.totals.requests}
    assert "Every request failed" in result.stdout and "passed" not in result.stdout
