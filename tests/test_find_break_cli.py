"""find-break's input checks (one line, exit 2, before anything starts) and its result document and chart."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from flashcrowd.breakpoint.criteria import GOOD, StepMeasure, Verdict
from flashcrowd.breakpoint.result import build_result, summary_lines, write_result
from flashcrowd.breakpoint.search import BreakSearch, SearchPlan
from flashcrowd.breakpoint.units import LoadUnits


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--resolution", "150%"], "--resolution"),
        (["--budget", "soon"], "--budget"),
        (["--model", "sideways"], "--model"),
        (["--scenario", "/nonexistent/probe.yaml"], "/nonexistent/probe.yaml"),
        (["--profile", "no-such-profile"], "no-such-profile"),
        (["--workers", "0"], "--workers"),
        (["--window", "0.5s"], "--window"),
        (["--host", "http://example.com"], "example.com"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_anything_starts(args, named, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "find-break", *args, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and named in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "find-break.json").exists()


def step(load: int, p95_ms: float, resets: int = 0) -> StepMeasure:
    return StepMeasure(
        load=load,
        offered=load * 0.5,
        requests=400,
        throughput_rps=80.0,
        p50_ms=p95_ms / 3,
        p95_ms=p95_ms,
        errors={"connection_reset": resets},
    )


def test_result_reports_bracket_kind_knee_and_real_world_figures(tmp_path):
    search = BreakSearch(SearchPlan(start=10))
    bad = Verdict("bad", "resets", "40 resets (10.0% of requests) in the window")
    measured = [
        (step(10, 20.0), GOOD),
        (step(20, 30.0), GOOD),
        (step(40, 90.0, resets=40), bad),
        (step(30, 60.0), GOOD),
    ]
    for measure, verdict in measured:
        search.next_load(0.0)
        search.record(measure.load, verdict)
    units = LoadUnits("open", per_user=0.5, scale=0.05, session_duration_s=50.0)
    result = build_result(search, measured, units, None, {"model": "open"})
    assert (result["last_good"]["load"], result["first_bad"]["load"]) == (15.0, 20.0)
    assert result["failure_kind"] == "resets"
    assert result["knee"]["load"] == 15.0  # the first load whose p95 is at least twice the lowest load's
    assert result["break"]["real_world"] == {
        "sessions_per_hour": 20.0 / 0.05 * 3600,
        "concurrent_users": 20000.0,
    }
    path = write_result(result, tmp_path)
    assert json.loads(path.read_text())["steps"][2]["kind"] == "resets"
    assert (tmp_path / "find-break.png").read_bytes()[:4] == b"\x89PNG"
    lines = "\n".join(summary_lines(result, path))
    assert "breaks at  20 sessions/s" in lines and "resets: 40 resets" in lines
