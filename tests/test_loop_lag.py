"""The loop-lag watch: it measures while the test runs, not while Locust stops its users."""

from __future__ import annotations

import time

import gevent
from locust.env import Environment

from flashcrowd.in_locust.loop_lag import INTERVAL_S, LoopLag


def busy(seconds: float) -> None:
    """Hold the loop with work (time.sleep is gevent's own under Locust's monkey-patching)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_a_blocked_loop_counts_while_the_test_runs_and_not_once_it_stops():
    environment = Environment()
    lag = LoopLag(environment)
    environment.events.test_start.fire(environment=environment)
    gevent.sleep(INTERVAL_S * 1.5)  # the watcher is under way
    busy(INTERVAL_S + 0.2)  # the loop blocked while the test runs
    gevent.sleep(INTERVAL_S)
    running = lag.max_s
    environment.events.test_stopping.fire(environment=environment)
    busy(INTERVAL_S + 0.6)  # as stopping tens of thousands of users does
    gevent.sleep(INTERVAL_S * 2)
    assert 0.1 <= running < 0.5 and lag.max_s == running
