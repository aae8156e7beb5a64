"""Resets counted by the harness agree with the target's own counters."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pytest
from loadgen_helpers import write_scenario

from flashcrowd.results.record import read_record


@pytest.mark.load
def test_harness_and_target_count_the_same_resets(target_factory, tmp_path):
    target = target_factory("ci-small")  # 2 workers, 8 waiting slots, overload: reset
    scenario = write_scenario(tmp_path, users=80, seconds=6)
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "run", str(scenario), "--host", target.url, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert result.returncode == 1, result.stderr  # the resets breach the default error-rate objective
    with urllib.request.urlopen(target.url + "/__flashcrowd/metrics.json", timeout=10) as response:
        metrics = json.load(response)
    totals = read_record(out / "summary.json").totals
    at_target = metrics["resets_queue_full"] + metrics["resets_queue_timeout"]
    by_harness = totals.failures_by_kind.get("connection_reset", 0)
    assert at_target > 500, metrics  # the site really was overloaded
    assert abs(by_harness - at_target) <= 0.01 * at_target, (by_harness, at_target)
    assert totals.retries > 0  # visitors reloaded, and those reloads were counted
    assert "Connection resets began at 22:40 Eastern on Tue 8 Nov 2016" in result.stdout
