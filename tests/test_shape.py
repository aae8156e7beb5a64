"""The load shape follows the scenario's curve: targets, spawn rates > 0, the end, and the tracking error."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from loadgen_helpers import make_scenario, tiny_site
from locust.env import Environment

from flashcrowd.in_locust.locust_options import install
from flashcrowd.in_locust.visitor import Visitor
from flashcrowd.load_models.curve_shape import MIN_SPAWN_RATE, ScenarioShape, TrackingSample, spawn_rate
from flashcrowd.scenario.model import Distribution


class ClockedShape(ScenarioShape):
    """A shape whose run time the test sets, with a runner that has exactly the users asked for last."""

    def __init__(self, scenario) -> None:
        super().__init__(scenario)
        self.now = 0.0
        self.runner = SimpleNamespace(user_count=0)

    def get_run_time(self) -> float:
        return self.now


def test_each_tick_asks_for_the_next_ticks_users_at_the_slope():
    # 10x compression: 100 real seconds of ramp from 0 to 1000 users take 10 wall seconds.
    shape = ClockedShape(make_scenario([(0, 0), (100, 1000), (200, 1000)], duration_s=200, compress=10))
    ticks = []
    for second in range(21):
        shape.now = float(second)
        tick = shape.tick()
        if tick is None:
            break
        ticks.append(tick)
        shape.runner.user_count = tick[0]
    assert len(ticks) == 20 and shape.tick() is None  # nothing after the wall duration
    assert [users for users, _ in ticks[:11]] == [100 * (s + 1) for s in range(10)] + [1000]
    assert all(rate == pytest.approx(100) for _, rate in ticks[:10])  # the slope: 100 users a second
    assert all(rate >= MIN_SPAWN_RATE > 0 for _, rate in ticks)  # flat stretches too
    assert shape.last_target_users == 1000
    assert shape.max_tracking_error() == 0.0


def test_a_step_in_the_curve_is_asked_for_at_once_and_a_fall_follows_the_slope_down():
    shape = ClockedShape(make_scenario([(0, 10), (5, 10), (5, 300), (10, 300), (12, 100)], duration_s=13))
    shape.runner.user_count = 10
    shape.now = 4.0
    assert shape.tick() == (300, 290.0)
    shape.runner.user_count = 300
    shape.now = 10.0
    assert shape.tick() == (200, 100.0)


def test_spawn_rate_is_never_zero_or_negative():
    assert spawn_rate(50, 50) == MIN_SPAWN_RATE
    assert spawn_rate(0, 40) == 40.0
    assert spawn_rate(41, 40) == MIN_SPAWN_RATE


def test_tracking_error_is_relative_to_the_curve():
    assert TrackingSample(3.0, 200, 190).error == pytest.approx(0.05)
    assert TrackingSample(3.0, 0, 0).error == 0.0


@pytest.mark.load
def test_library_mode_local_runner_follows_a_known_curve():
    # Ramp 0 -> 150 in 3 s, hold, fall to 60: an Environment with a LocalRunner, visitors on a tiny site.
    scenario = make_scenario(
        [(0, 0), (3, 150), (6, 150), (7, 60)], duration_s=8, think=Distribution("constant", 0.5)
    )
    with tiny_site() as (url, seen):
        environment = Environment(user_classes=[Visitor], shape_class=ScenarioShape(scenario), host=url)
        install(environment, scenario)
        runner = environment.create_local_runner()
        runner.start_shape()
        runner.shape_greenlet.join(timeout=30)
        runner.quit()
    shape = environment.shape_class
    assert 8 <= len(shape.tracking) <= 10  # a tick a second for the 8 s curve
    assert all(s.target == round(scenario.sim_users_at(s.wall_s)) for s in shape.tracking)
    assert {150, 60} <= {s.achieved for s in shape.tracking}
    assert shape.max_tracking_error() <= 0.05, shape.tracking_summary()
    assert len(seen) > 500  # ~150 visitors loading a page every 0.5 s for several seconds
    assert environment.stats.total.num_failures == 0
