"""The capacity model: a few workers, a FIFO waiting room, and a limit on how long a request waits.

It lives in user space so that the site's configuration, never the kernel's
backlog, decides when requests are turned away: a request that finds the
waiting room full is refused at once; one that waited ``queue_timeout_s`` for
a worker is refused after that wait, not before.

A worker handed from one request to the next carries the moment its previous
service was due to end, so the event loop's wake-up delays do not add up to a
longer service time: saturated, the site serves c/S requests a second.
"""

from __future__ import annotations

import enum
import time
from collections import deque

from gevent.event import AsyncResult


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
        self._waiting: deque[AsyncResult] = deque()

    @property
    def queue_depth(self) -> int:
        return len(self._waiting)

    def acquire(self) -> tuple[Admission, float]:
        """Wait for a worker; returns the outcome and, if served, when (time.monotonic) service may start."""
        now = time.monotonic()
        if self.busy < self.workers and not self._waiting:
            self.busy += 1
            return Admission.SERVED, now
        if len(self._waiting) >= self.queue:
            return Admission.QUEUE_FULL, now
        turn = AsyncResult()
        self._waiting.append(turn)
        # A releasing worker hands itself over by setting ``turn``; ready() is checked rather
        # than wait()'s result in case the hand-over came in the loop iteration of the timeout.
        turn.wait(self.queue_timeout_s)
        if turn.ready():
            return Admission.SERVED, turn.value
        self._waiting.remove(turn)
        return Admission.QUEUE_TIMEOUT, now

    def release(self, free_at: float) -> None:
        """Give a worker back, free from ``free_at``; it goes straight to the longest-waiting request."""
        if self._waiting and self.busy <= self.workers:
            self._waiting.popleft().set(free_at)
        else:
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
            self._waiting.popleft().set(time.monotonic())
