"""The master's worker watch, on a stand-in master: a worker that comes back was busy, not lost."""

from __future__ import annotations

import io
from types import SimpleNamespace
from unittest.mock import Mock

from locust.event import Events
from locust.runners import STATE_MISSING, STATE_RUNNING, MasterRunner

from flashcrowd.in_locust.distributed import WorkerWatch


class Gaps:
    """The recorder's side of the watch: gaps by (start, reason) and the busy workers."""

    started_at = None

    def __init__(self) -> None:
        self.gaps: dict[tuple[float, str], float | None] = {}
        self.busy_workers: list[str] = []

    def mark_gap(self, start_wall_s: float, end_wall_s: float | None, reason: str) -> None:
        self.gaps[start_wall_s, reason] = end_wall_s

    def drop_gap(self, start_wall_s: float, reason: str) -> None:
        del self.gaps[start_wall_s, reason]


def watched_master(state: str) -> tuple[WorkerWatch, SimpleNamespace, Gaps]:
    node = SimpleNamespace(state=state)
    runner = Mock(
        spec=MasterRunner, clients={"w1": node}, worker_count=1, user_count=10, target_user_count=10
    )
    gaps = Gaps()
    watch = WorkerWatch(SimpleNamespace(events=Events(), runner=runner), gaps, stream=io.StringIO())
    watch._last_report = {"w1": 4.0}
    return watch, node, gaps


def test_a_worker_whose_heartbeats_come_back_is_busy_and_makes_the_generator_the_limit():
    watch, node, gaps = watched_master(STATE_RUNNING)
    node.state = STATE_MISSING
    watch.poll()
    assert [loss.how for loss in watch.losses] == ["missing"] and len(gaps.gaps) == 1

    node.state = STATE_RUNNING  # its heartbeat reached the master again
    watch.poll()
    assert watch.losses == [] and gaps.gaps == {}
    [busy] = gaps.busy_workers
    assert busy.startswith("worker w1 was too busy to send a heartbeat")
    assert "the load generator, not the site, was the limit" in watch.stream.getvalue()


def test_a_worker_that_never_comes_back_stays_lost():
    watch, _node, gaps = watched_master(STATE_MISSING)
    watch.poll()
    watch.poll()
    assert [loss.how for loss in watch.losses] == ["missing"] and gaps.busy_workers == []
    assert list(gaps.gaps) == [(4.0, watch.losses[0].reason)]
