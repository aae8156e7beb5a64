"""A Locust load shape that follows a scenario's curve of concurrent users, scaled and time-compressed.

Each tick asks for the users the curve reaches at the *next* tick, at the spawn
rate that gets there within one tick, so the achieved count lands on the curve
instead of trailing it by a tick. It keeps ``last_target_users`` (read by the
recorder) and the tracking error: achieved users against the curve at every tick.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from locust import LoadTestShape, User

from flashcrowd.scenario.model import Scenario

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)

TICK_S = 1.0  # Locust's shape_worker calls tick() about once a second
MIN_SPAWN_RATE = 1.0  # Locust 2.47 rejects a spawn rate <= 0, even when nothing changes
# Below this many users one user is more than 5 %: a relative error there says nothing about tracking.
MIN_USERS_FOR_ERROR = 20


@dataclass(frozen=True)
class TrackingSample:
    """Users the curve asked for at ``wall_s`` and users the runner had then."""

    wall_s: float
    target: int
    achieved: int

    @property
    def error(self) -> float:
        """Relative tracking error: |achieved - target| / target (0 when both are 0)."""
        if self.target == 0:
            return 0.0 if self.achieved == 0 else 1.0
        return abs(self.achieved - self.target) / self.target


def spawn_rate(target: int, current: int, tick_s: float = TICK_S) -> float:
    """Users a second that move ``current`` to ``target`` within one tick; never below Locust's floor."""
    return max(abs(target - current) / tick_s, MIN_SPAWN_RATE)


class ScenarioShape(LoadTestShape):
    """Follows ``scenario.sim_users_at(t)``; stops (returns None) once the scenario's wall duration is over.

    Without a scenario at construction (Locust builds shapes before options are
    parsed), it takes the one the locustfile loaded for the run's environment. With
    ``user_classes``, its ticks name them (Locust then spawns no other class).
    """

    abstract = False

    def __init__(
        self, scenario: Scenario | None = None, user_classes: list[type[User]] | None = None
    ) -> None:
        super().__init__()
        self._scenario = scenario
        self.user_classes = user_classes
        self.last_target_users = 0
        self.tracking: list[TrackingSample] = []

    @property
    def scenario(self) -> Scenario:
        if self._scenario is None:
            from flashcrowd.in_locust.locust_options import (
                run_context,  # the locustfile's context, made on init
            )

            self._scenario = run_context(self.runner.environment).scenario
        return self._scenario

    def reset_time(self) -> None:
        super().reset_time()
        self.tracking.clear()
        self.last_target_users = 0

    def tick(self) -> tuple[int, float] | tuple[int, float, list[type[User]]] | None:
        wall_s = self.get_run_time()
        duration = self.scenario.clock.wall_duration_s
        achieved = self.runner.user_count if self.runner is not None else 0
        self.tracking.append(TrackingSample(wall_s, round(self.scenario.sim_users_at(wall_s)), achieved))
        if wall_s >= duration:
            logger.info("Scenario curve finished after %.0f s; %s", wall_s, self.tracking_summary())
            return None
        target = round(self.scenario.sim_users_at(min(wall_s + TICK_S, duration)))
        self.last_target_users = target
        rate = spawn_rate(target, achieved)
        return (target, rate) if self.user_classes is None else (target, rate, self.user_classes)

    def settled_samples(self, settle_s: float = TICK_S) -> list[TrackingSample]:
        """Samples from ``settle_s`` on (the first spawn has had its tick), with enough users to judge."""
        return [s for s in self.tracking if s.wall_s >= settle_s and s.target >= MIN_USERS_FOR_ERROR]

    def max_tracking_error(self, settle_s: float = TICK_S) -> float:
        return max((s.error for s in self.settled_samples(settle_s)), default=0.0)

    def tracking_summary(self) -> str:
        samples = self.settled_samples()
        if not samples:
            return "no tracking samples"
        worst = max(samples, key=lambda s: s.error)
        return (
            f"tracking error max {worst.error:.1%} at {worst.wall_s:.0f} s "
            f"({worst.achieved} of {worst.target} users) over {len(samples)} ticks"
        )
