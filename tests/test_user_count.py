"""The runner's user count in constant time agrees with Locust's own walk over its users."""

from __future__ import annotations

import gevent
from locust import User, constant, task
from locust.env import Environment
from locust.runners import LocalRunner

from flashcrowd.in_locust.user_count import count_users_fast


class Reader(User):
    wait_time = constant(60)

    @task
    def read(self) -> None:
        gevent.sleep(60)


def test_the_fast_count_follows_spawns_and_stops_like_locusts():
    runner = Environment(user_classes=[Reader]).create_local_runner()
    count_users_fast(runner)
    try:
        runner.spawn_users({"Reader": 300})
        gevent.sleep(0.05)
        assert runner.user_classes_count == {"Reader": 300} and isinstance(runner, LocalRunner)
        runner.stop_users({"Reader": 120})
        gevent.sleep(0.2)
        walked = type(runner).__mro__[1].user_classes_count.fget(runner)
        assert runner.user_classes_count == walked == {"Reader": 180}
    finally:
        runner.quit()
