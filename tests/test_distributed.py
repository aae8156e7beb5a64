"""A Locust master and two worker processes on loopback: merged results, and a worker killed mid-run.

Each worker also loads a probe locustfile that writes down, report by report,
what it ships to the master; the master's summary.json must add up to exactly that.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ports import free_port

from flashcrowd.bundled_paths import LOCUSTFILE
from flashcrowd.results.record import RunRecord, read_record

pytestmark = pytest.mark.load

# What each worker sent with each report: Locust's own request count, and the recorder's
# tallies (requests and failures by kind). Registered at test_start, after the recorder's
# listener has put its tallies into the report.
PROBE = """
import json, os
from locust import events

@events.test_start.add_listener
def _probe(environment, **_):
    if getattr(environment, "probe_attached", False):
        return
    environment.probe_attached = True
    path = os.path.join(os.environ["PROBE_DIR"], f"worker-{os.getpid()}.jsonl")

    def on_report(client_id, data, **_):
        tallies = data.get("flashcrowd", {}).values()
        failures = {}
        for tally in tallies:
            for kind, count in tally["failures"].items():
                failures[kind] = failures.get(kind, 0) + count
        line = {
            "locust_requests": data["stats_total"]["num_requests"],
            "requests": sum(t["requests"] for t in tallies),
            "failures": failures,
            "users": sum(data.get("user_classes_count", {}).values()),
        }
        with open(path, "a") as out:
            out.write(json.dumps(line) + "\\n")

    environment.events.report_to_master.add_listener(on_report)
"""

DURATION = "20s"  # ci-smoke's 40 s curve (ramp to 20 users, hold, ramp down) compressed into 20 s
# The bundled site made small enough that ci-smoke's heavy pages overflow its queue: resets to count.
OVERLOADED_TARGET = ["--workers", "1", "--queue", "1", "--service", "heavy=constant:0.2"]


class Cluster:
    """A master and its workers as child processes, their output in files; stopped by PID."""

    def __init__(self, workdir: Path, host: str) -> None:
        self.workdir = workdir
        self.host = host
        self.port = free_port()
        self.out = workdir / "results"
        self.probe_dir = workdir / "probe"
        self.probe_dir.mkdir()
        probe = workdir / "probe_locustfile.py"
        probe.write_text(PROBE)
        self.locustfiles = f"{LOCUSTFILE},{probe}"
        self.processes: list[subprocess.Popen[bytes]] = []
        self.master: subprocess.Popen[bytes] | None = None
        self.workers: list[subprocess.Popen[bytes]] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "locust", "-f", self.locustfiles, *args]
        env = {**os.environ, "PROBE_DIR": str(self.probe_dir)}
        with open(self.workdir / f"{name}.log", "wb") as log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        self.processes.append(process)
        return process

    def start(self, workers: int = 2) -> None:
        self.master = self._start(
            "master",
            [
                "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(self.port),
                "--expect-workers", str(workers), "--expect-workers-max-wait", "60",
                "--enable-rebalancing", "--headless", "--only-summary",
                "--host", self.host, "--scenario", "ci-smoke", "--duration", DURATION, "--out", str(self.out),
            ],
        )  # fmt: skip
        for index in range(workers):
            worker = self._start(
                f"worker{index}", ["--worker", "--master-host", "127.0.0.1", "--master-port", str(self.port)]
            )
            self.workers.append(worker)

    def log(self, name: str) -> str:
        return (self.workdir / f"{name}.log").read_text(errors="replace")

    def wait_for(self, predicate: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; master log:\n{self.log('master')[-3000:]}"
            time.sleep(0.2)

    def wait_master(self, timeout_s: float = 90) -> int:
        assert self.master is not None
        try:
            return self.master.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pytest.fail(f"master did not finish; its log:\n{self.log('master')[-3000:]}")

    def probe_lines(self, worker: subprocess.Popen[bytes]) -> list[dict]:
        path = self.probe_dir / f"worker-{worker.pid}.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def record(self) -> RunRecord:
        return read_record(self.out / "summary.json")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture
def cluster(tmp_path, target_factory) -> Iterator[Cluster]:
    target = target_factory("ci-small", OVERLOADED_TARGET)
    cluster = Cluster(tmp_path, target.url)
    yield cluster
    cluster.stop()


def summed(lines: list[dict]) -> tuple[int, Counter[str]]:
    failures: Counter[str] = Counter()
    for line in lines:
        failures.update(line["failures"])
    return sum(line["requests"] for line in lines), failures


def record_failures(record: RunRecord) -> dict[str, int]:
    return {kind: count for kind, count in record.totals.failures_by_kind.items() if count}


def test_master_merges_two_workers_following_the_curve(cluster):
    cluster.start(workers=2)
    code = cluster.wait_master()
    master_log = cluster.log("master")
    assert code in (0, 1), master_log[-3000:]  # passed, or ci-smoke's SLOs breached by the overload

    per_worker = [cluster.probe_lines(worker) for worker in cluster.workers]
    assert all(max(line["users"] for line in lines) > 0 for lines in per_worker), "a worker ran no visitor"
    requests, failures = summed([line for lines in per_worker for line in lines])
    record = cluster.record()
    assert requests > 100
    assert record.totals.requests == requests
    assert sum(line["locust_requests"] for lines in per_worker for line in lines) == requests
    assert failures.get("connection_reset", 0) > 0, "the overloaded target should have reset connections"
    assert record_failures(record) == dict(failures)
    assert record.gaps == ()

    # The two workers together follow ci-smoke's curve: up to 20 users, held, and down again.
    with open(cluster.out / "timeline.csv") as timeline:
        rows = list(csv.DictReader(timeline))
    achieved = [float(row["achieved_users"]) for row in rows]
    assert max(float(row["target_users"]) for row in rows) == pytest.approx(20, abs=1)
    assert max(achieved) == pytest.approx(20, abs=2)
    assert achieved.index(max(achieved)) not in (0, len(achieved) - 1)


def test_a_worker_killed_mid_run_is_reported_and_what_it_sent_is_kept(cluster):
    cluster.start(workers=2)
    doomed, survivor = cluster.workers
    # Kill it once it has shipped a few reports with requests in them (reports go every 3 s).
    cluster.wait_for(lambda: sum(line["requests"] > 0 for line in cluster.probe_lines(doomed)) >= 2, 60)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(5)
    sent_before_death = cluster.probe_lines(doomed)
    code = cluster.wait_master()
    master_log = cluster.log("master")

    assert code == 4, master_log[-3000:]  # a run that lost a worker is a load-generator failure
    notice = [line for line in master_log.splitlines() if line.startswith("flashcrowd: worker ")]
    assert len(notice) == 1 and "sent no heartbeat" in notice[0], master_log[-3000:]

    record = cluster.record()
    [gap] = record.gaps
    assert "sent no heartbeat" in gap.reason
    assert 0 < gap.start_wall_s < float(DURATION.rstrip("s"))

    # Everything the dead worker shipped before it died is in the merged results (its very last
    # report may have been written down by the probe and then killed before it left the process).
    survivor_requests, survivor_failures = summed(cluster.probe_lines(survivor))
    dead_requests, dead_failures = summed(sent_before_death)
    surely_sent, _ = summed(sent_before_death[:-1])
    assert survivor_requests + surely_sent <= record.totals.requests
    assert record.totals.requests <= survivor_requests + dead_requests
    for kind, count in record_failures(record).items():
        assert count <= survivor_failures[kind] + dead_failures[kind]
