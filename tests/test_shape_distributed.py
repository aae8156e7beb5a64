"""Plain Locust, a master and two workers on loopback, honour the scenario's curve."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from loadgen_helpers import write_scenario
from ports import free_port

from flashcrowd.bundled_paths import LOCUSTFILE
from flashcrowd.results.record import read_record


@pytest.fixture
def processes():
    """Popen objects started by a test; each is stopped by PID afterwards."""
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.load
def test_a_master_and_two_workers_follow_the_curve(target_factory, tmp_path, processes):
    target = target_factory("ci-small")
    scenario = write_scenario(tmp_path, users=40, seconds=7, ramp_s=2, think_s=1.0, name="two-workers")
    port = str(free_port())
    out = tmp_path / "out"
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    logs = [open(tmp_path / f"{name}.log", "w") for name in ("master", "worker1", "worker2")]  # noqa: SIM115
    master_args = ["--master", "--headless", "--expect-workers", "2", "--master-bind-host", "127.0.0.1"]
    master_args += [
        "--master-bind-port",
        port,
        "--host",
        target.url,
        "--scenario",
        str(scenario),
        "--out",
        str(out),
    ]
    master = subprocess.Popen([*locust, *master_args], stdout=logs[0], stderr=subprocess.STDOUT)
    processes.append(master)
    # The workers get --scenario and the host from the master, as with workers on other machines.
    for log in logs[1:]:
        worker = [*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", port]
        processes.append(subprocess.Popen(worker, stdout=log, stderr=subprocess.STDOUT))
    master.wait(timeout=60)
    for log in logs:
        log.close()
    assert master.returncode == 0, (tmp_path / "master.log").read_text()[-2000:]

    rows = list(csv.DictReader((out / "timeline.csv").open()))
    holding = [row for row in rows if 4.5 <= float(row["wall_s"]) <= 6.5]
    assert holding, rows
    assert all(float(row["target_users"]) == 40 and int(row["achieved_users"]) == 40 for row in holding), (
        holding
    )
    record = read_record(out / "summary.json")
    assert record.role == "master"
    assert record.totals.requests > 100  # both workers' requests reached the master
    assert record.totals.failures == 0
    worker_lines = [Path(tmp_path / f"worker{i}.log").read_text() for i in (1, 2)]
    assert all("Traceback" not in text for text in worker_lines), worker_lines
