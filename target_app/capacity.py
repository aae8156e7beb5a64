"""The capacity model: a few workers, a FIFO waiting room, and a limit on how long a request waits.

It lives in user space so that the site's configuration, never the kernel's
backlog, decides when requests are turned away: a request that finds the
waiting room full is refused at once; one that waited ``queue_timeout_s`` for
a worker is refused after that wait, not before.
"""

from __future__ import annotations

import enum
import time
from collections import deque

from gevent.event import Event


class Admission(enum.Enum):
    SERVED = "served"  # the caller holds a worker and must ``release()`` it
    QUEUE_FULL = "queue_full"
    QUEUE_TIMEOUT = "queue_timeout"


class Capacity:
    """Workers and a waiting room for the greenlets of one gevent hub."""

    def __init__(self, workers: int, queue: int, queue_timeout_s: float) -> None:
        self.workers = workers
        self.queue = queue
        self.queue_timeout_s = queue_timeout_s
        self.busy = 0
        self._waiting: deque[Event] = deque()

    @property
    def queue_depth(self) -> int:
        return len(self._waiting)

    def acquire(self) -> tuple[Admission, float]:
        """Wait for a worker; returns the outcome and the seconds spent waiting."""
        if self.busy < self.workers and not self._waiting:
            self.busy += 1
            return Admission.SERVED, 0.0
        if len(self._waiting) >= self.queue:
            return Admission.QUEUE_FULL, 0.0
        turn = Event()
        self._waiting.append(turn)
        started = time.monotonic()
        # A releasing worker hands itself over by setting ``turn``; it is checked again
        # after a timeout in case the hand-over came in the same loop iteration.
        if turn.wait(self.queue_timeout_s) or turn.is_set():
            return Admission.SERVED, time.monotonic() - started
        self._waiting.remove(turn)
        return Admission.QUEUE_TIMEOUT, time.monotonic() - started

    def release(self) -> None:
        """Give a worker back; it goes straight to the longest-waiting request, if any."""
        self.busy -= 1
        self._admit_waiting()

    def resize(self, workers: int | None = None, queue: int | None = None) -> None:
        """Change capacity while running; requests already waiting keep their place."""
        if workers is not None:
            self.workers = workers
        if queue is not None:
            self.queue = queue
        self._admit_waiting()

    def _admit_waiting(self) -> None:
        while self._waiting and self.busy < self.workers:
            self.busy += 1
            self._waiting.popleft().set()
