"""How far a Locust process's event loop fell behind: the sign that the generator, not the site, was busy.

Every visitor of a process shares one gevent loop. When its core is saturated, a
greenlet that asked to wake in 0.25 s wakes seconds later: requests wait to be sent,
responses wait to be read (their latency grows with the generator's backlog, not the
site's), and reports reach the master late. :class:`LoopLag` measures that overshoot
in every process; a worker ships its worst with each report, a master keeps the worst
of all, so the recorder can tell a busy generator from a slow site. The watch ends when
the test stops: Locust then stops every user in one go (seconds at 50,000 visitors a
process), which says nothing about the load the run sent.
"""

from __future__ import annotations

import time
from typing import Any

import gevent
from locust.env import Environment

INTERVAL_S = 0.25
REPORT_KEY = "flashcrowd_loop_lag_s"


class LoopLag:
    """``max_s``: the longest this process's loop (and, on a master, its workers' loops) overslept."""

    def __init__(self, environment: Environment) -> None:
        self.max_s = 0.0
        self._watcher: gevent.Greenlet | None = None
        self._watching = False
        events = environment.events
        events.test_start.add_listener(self._start)
        events.test_stopping.add_listener(self._stop)
        events.quitting.add_listener(self._stop)
        events.report_to_master.add_listener(self._ship)
        events.worker_report.add_listener(self._receive)

    def _start(self, **_: Any) -> None:
        if self._watcher is None:
            self._watching = True
            self._watcher = gevent.spawn(self._watch)

    def _stop(self, **_: Any) -> None:
        self._watching = False  # a wake-up already due when the loop gets back is not counted
        if self._watcher is not None:
            self._watcher.kill(block=False)

    def _watch(self) -> None:
        while self._watching:
            asked = time.perf_counter()
            gevent.sleep(INTERVAL_S)
            if self._watching:
                self.max_s = max(self.max_s, time.perf_counter() - asked - INTERVAL_S)

    def _ship(self, client_id: str, data: dict[str, Any]) -> None:
        data[REPORT_KEY] = self.max_s

    def _receive(self, client_id: str, data: dict[str, Any]) -> None:
        self.max_s = max(self.max_s, float(data.get(REPORT_KEY, 0.0)))
