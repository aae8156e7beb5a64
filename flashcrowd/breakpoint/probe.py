"""The generator probe: this Locust process's cumulative counters, shipped to the master with each report.

The guard (guard.py) compares two snapshots of them around a step's measuring
window; this module only keeps them, inside Locust.
"""

from __future__ import annotations

import time
from typing import Any

import gevent
import psutil
from locust.env import Environment
from locust.runners import MasterRunner

from flashcrowd.breakpoint.guard import GeneratorSample

REPORT_KEY = "flashcrowd_generator"
PROBE_ATTRIBUTE = "flashcrowd_generator_probe"
LAG_PROBE_S = 0.05  # short enough to see a blocked loop, long enough to cost nothing


class ArrivalCounter:
    """Open-model arrivals of this process: due by their schedule, and started."""

    def __init__(self) -> None:
        self.due = 0
        self.started = 0


ARRIVALS = ArrivalCounter()


class GeneratorProbe:
    """This process's counters; on a worker, they ride along with each stats report."""

    def __init__(self, environment: Environment) -> None:
        """Start probing; ``environment.runner`` must exist (create it from Locust's ``init`` event)."""
        self._is_master = isinstance(environment.runner, MasterRunner)
        self._process = psutil.Process()
        self._lag_s = 0.0
        self._lag_probes = 0
        # Samples of every generator process by its id; updated from worker reports on a master.
        self.latest: dict[str, GeneratorSample] = {}
        gevent.spawn(self._measure_lag)
        environment.events.report_to_master.add_listener(self._on_report_to_master)
        environment.events.worker_report.add_listener(self._on_worker_report)

    @classmethod
    def attach(cls, environment: Environment) -> GeneratorProbe:
        """Start probing this Locust process (from ``events.init``); :meth:`of` finds the probe again."""
        probe = cls(environment)
        setattr(environment, PROBE_ATTRIBUTE, probe)
        return probe

    @staticmethod
    def of(environment: Environment) -> GeneratorProbe:
        return getattr(environment, PROBE_ATTRIBUTE)

    def sample(self) -> GeneratorSample:
        cpu = self._process.cpu_times()
        return GeneratorSample(
            at=time.time(),
            cpu_s=cpu.user + cpu.system,
            lag_s=self._lag_s,
            lag_probes=self._lag_probes,
            arrivals_due=ARRIVALS.due,
            arrivals_started=ARRIVALS.started,
        )

    def snapshot(self) -> dict[str, GeneratorSample]:
        """Counters of every process that generates load: this one, or a master's workers."""
        return dict(self.latest) if self._is_master else {"local": self.sample()}

    def _measure_lag(self) -> None:
        while True:
            asleep = time.perf_counter()
            gevent.sleep(LAG_PROBE_S)
            self._lag_s += max(time.perf_counter() - asleep - LAG_PROBE_S, 0.0)
            self._lag_probes += 1

    def _on_report_to_master(self, client_id: str, data: dict[str, Any]) -> None:
        data[REPORT_KEY] = self.sample().__dict__

    def _on_worker_report(self, client_id: str, data: dict[str, Any]) -> None:
        if REPORT_KEY in data:
            self.latest[client_id] = GeneratorSample(**data[REPORT_KEY])
