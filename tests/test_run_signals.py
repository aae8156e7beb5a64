"""A run stopped from outside (a CI timeout's SIGTERM) leaves no process behind and keeps what it measured."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from flashcrowd.results.record import read_record


def wait_for_rows(timeline: Path, rows: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if timeline.exists() and len(timeline.read_text().splitlines()) > rows:
            return
        time.sleep(0.2)
    raise AssertionError(f"{timeline} did not reach {rows} rows in {timeout_s:.0f} s")


@pytest.mark.load
def test_sigterm_stops_locust_and_the_target_and_the_partial_run_is_reported(tmp_path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "flashcrowd", "run", "ci-smoke", "--duration", "40s", "--out", str(out)]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    children: list[psutil.Process] = []
    try:
        wait_for_rows(out / "timeline.csv", rows=4, timeout_s=30)
        children = psutil.Process(run.pid).children(recursive=True)
        assert any("target_app" in " ".join(child.cmdline()) for child in children)
        assert any("locust" in " ".join(child.cmdline()) for child in children)
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=30)
        _, alive = psutil.wait_procs(children, timeout=5)
        assert not alive, f"left running: {[child.pid for child in alive]}"
    finally:  # whatever failed above, nothing this test started outlives it
        for process in [psutil.Process(run.pid), *children] if run.poll() is None else children:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
    assert run.returncode == 128 + signal.SIGTERM, stderr
    assert stderr.rstrip().endswith("flashcrowd: terminated")
    assert f"what it measured so far is in {out}" in stderr
    # Locust wrote everything on the way out, and the verdict says the run is incomplete, not passed.
    record = read_record(out / "summary.json")
    assert record.exit_code == 4 and record.verdict == "generator_failure"
    [gap] = record.gaps
    assert gap.reason.startswith("SIGTERM ended the run at") and gap.start_wall_s < 30
    assert record.totals.requests > 0
    assert (out / "report.html").exists() and (out / "junit.xml").exists()
