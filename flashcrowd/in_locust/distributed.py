"""Worker-loss watch for a Locust master: say when a worker goes missing or quits mid-run, and mark the gap.

Locust's master already stops counting on a worker whose heartbeats stop
(``HEARTBEAT_LIVENESS`` seconds) and hands its users to the others at its next
dispatch (at once with ``--enable-rebalancing``). It does not tell the user, nor
remember that the offered load and the statistics had a hole: this module adds
that. What a worker reported before it died stays in the master's statistics.

A worker whose core is saturated is not gone: its heartbeats come late. Locust's 3 s
would declare it missing, give its users to the others and take them back when it
heals, so the count of visitors swings by a worker's share. The watch gives workers
``BUSY_LIVENESS_S`` instead, and a worker that comes back was busy, not lost: the run
then says the generator was the limit rather than that a worker died.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

import gevent
import locust.runners
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner

POLL_INTERVAL_S = 1.0
BUSY_LIVENESS_S = 10  # heartbeats a worker may miss (one a second) before it counts as missing


class GapMarker(Protocol):
    """What the watch needs from the recorder (``flashcrowd.results.recorder.Recorder`` fits)."""

    started_at: float | None  # epoch seconds at which the run's clock started

    busy_workers: list[str]  # why each busy worker made the generator the limit

    def mark_gap(self, start_wall_s: float, end_wall_s: float | None, reason: str) -> None: ...

    def drop_gap(self, start_wall_s: float, reason: str) -> None: ...


@dataclass
class WorkerLoss:
    """One worker lost mid-run; times in seconds into the run."""

    client_id: str
    how: str  # "missing" (heartbeats stopped) or "quit" (it left before the run ended)
    last_report_wall_s: float  # what it measured after this never reached the master
    detected_wall_s: float
    restored_wall_s: float | None = None  # when the other workers ran every user the curve asked for

    @property
    def reason(self) -> str:
        cause = f"sent no heartbeat for {BUSY_LIVENESS_S} s" if self.how == "missing" else "quit mid-run"
        return (
            f"worker {self.client_id} {cause}: its results after {self.last_report_wall_s:.0f} s "
            f"never reached the master and the load fell short of the curve"
        )


class WorkerWatch:
    """Polls the master's worker table once a second while a test runs.

    ``losses`` lists every worker lost mid-run. Each loss is printed on
    ``stream`` when detected, opened as a gap on the recorder, and closed once
    the remaining workers run every user the curve asks for (or left open to
    the end of the run). The recorder turns a run with a gap into
    ``ExitCode.GENERATOR_FAILURE``: its figures are incomplete.
    """

    def __init__(self, environment: Environment, gaps: GapMarker | None = None, stream: TextIO = sys.stderr):
        self.environment = environment
        self.gaps = gaps
        self.stream = stream
        self.losses: list[WorkerLoss] = []
        self._started_at: float | None = None
        self._last_report: dict[str, float] = {}
        self._open: list[WorkerLoss] = []
        self._poller: gevent.Greenlet | None = None
        locust.runners.HEARTBEAT_LIVENESS = BUSY_LIVENESS_S  # read by the master at each heartbeat
        events = environment.events
        events.test_start.add_listener(self._on_test_start)
        events.test_stopping.add_listener(self._on_test_stopping)
        events.worker_report.add_listener(self._on_worker_report)

    @property
    def runner(self) -> MasterRunner:
        runner = self.environment.runner
        assert isinstance(runner, MasterRunner)
        return runner

    def wall_s(self) -> float:
        """Seconds into the run, on the recorder's clock when there is one."""
        started_at = self.gaps.started_at if self.gaps is not None else None
        started_at = started_at if started_at is not None else self._started_at
        return 0.0 if started_at is None else round(time.time() - started_at, 3)

    def _on_test_start(self, **_kwargs: Any) -> None:
        if self._started_at is not None:
            return
        self._started_at = time.time()
        self._last_report = dict.fromkeys(self.runner.clients, 0.0)
        self._poller = gevent.spawn(self._poll_forever)

    def _on_worker_report(self, client_id: str, **_kwargs: Any) -> None:
        if self._poller is not None:
            self._last_report[client_id] = self.wall_s()

    def _on_test_stopping(self, **_kwargs: Any) -> None:
        # From here on workers leave on purpose; a loss still open stays open to the end of the run.
        if self._poller is not None:
            self._poller.kill(block=False)
            self._poller = None

    def _poll_forever(self) -> None:
        while True:
            gevent.sleep(POLL_INTERVAL_S)
            self.poll()

    def poll(self) -> None:
        """Notice newly lost workers, and open losses whose users the other workers now run."""
        clients = self.runner.clients
        lost = {loss.client_id for loss in self.losses}
        for client_id in list(self._last_report):
            node = clients.get(client_id)
            if client_id not in lost and (node is None or node.state == STATE_MISSING):
                self._lose(client_id, "quit" if node is None else "missing")
        for client_id in clients:
            self._last_report.setdefault(client_id, self.wall_s())
        for loss in [loss for loss in self.losses if loss.how == "missing"]:
            node = clients.get(loss.client_id)
            if node is not None and node.state != STATE_MISSING:
                self._busy(loss)
        if self._open and self._load_restored():
            for loss in self._open:
                loss.restored_wall_s = self.wall_s()
                self._mark(loss)
            self._say(f"the remaining workers run all {self.runner.user_count} users again")
            self._open.clear()

    def _lose(self, client_id: str, how: str) -> None:
        loss = WorkerLoss(client_id, how, self._last_report[client_id], self.wall_s())
        self.losses.append(loss)
        self._open.append(loss)
        self._mark(loss)
        left = self.runner.worker_count
        self._say(
            f"{loss.reason} (noticed at {loss.detected_wall_s:.0f} s); everything reported before is kept; "
            + (f"{left} worker(s) left" if left else "no worker left, the run stops")
        )

    def _busy(self, loss: WorkerLoss) -> None:
        """The worker's heartbeats came back: it was busy, not lost; the generator was the limit."""
        self.losses.remove(loss)
        if loss in self._open:
            self._open.remove(loss)
        busy_s = self.wall_s() - loss.last_report_wall_s
        reason = (
            f"worker {loss.client_id} was too busy to send a heartbeat for {BUSY_LIVENESS_S} s "
            f"(nothing from it for {busy_s:.0f} s from {loss.last_report_wall_s:.0f} s)"
        )
        if self.gaps is not None:
            self.gaps.drop_gap(loss.last_report_wall_s, loss.reason)
            self.gaps.busy_workers.append(reason)
        self._say(f"{reason}: it is back; the load generator, not the site, was the limit")

    def _load_restored(self) -> bool:
        runner = self.runner
        return runner.worker_count > 0 and runner.user_count >= runner.target_user_count

    def _mark(self, loss: WorkerLoss) -> None:
        if self.gaps is not None:
            self.gaps.mark_gap(loss.last_report_wall_s, loss.restored_wall_s, loss.reason)

    def _say(self, message: str) -> None:
        print(f"flashcrowd: {message}", file=self.stream, flush=True)


def watch_workers(environment: Environment, gaps: GapMarker | None = None) -> WorkerWatch | None:
    """Attach a :class:`WorkerWatch` when ``environment`` runs a master; None on a local runner or a worker.

    Call it on ``events.init``, with the recorder as ``gaps`` so the report marks each loss.
    """
    if not isinstance(environment.runner, MasterRunner):
        return None
    return WorkerWatch(environment, gaps)
