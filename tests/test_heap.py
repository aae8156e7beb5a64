"""The heap freezer: while the test runs, what has survived a moment is out of the collector's walks."""

from __future__ import annotations

import gc

import gevent
from locust.env import Environment

from flashcrowd.in_locust.heap import FREEZE_EVERY_S, HeapFreezer


def test_survivors_are_frozen_while_the_test_runs_and_no_longer_once_it_stops():
    environment = Environment()
    HeapFreezer(environment)
    try:
        gc.unfreeze()
        environment.events.test_start.fire(environment=environment)
        gevent.sleep(FREEZE_EVERY_S * 1.5)
        frozen = gc.get_freeze_count()
        environment.events.test_stopping.fire(environment=environment)
        gevent.sleep(0)
        gc.unfreeze()
        gevent.sleep(FREEZE_EVERY_S * 2)
        assert frozen > 1000 and gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
