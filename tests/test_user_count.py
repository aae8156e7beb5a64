"""The runner's user count in constant time agrees with Locust's own walk over its users."""

from __future__ import annotations

from unittest import mock

import gevent
from locust import User, constant, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import LocalRunner

from flashcrowd.in_locust.user_count import CountingGroup, count_users_fast


class Reader(User):
    wait_time = constant(60)

    @task
    def read(self) -> None:
        gevent.sleep(60)


class Leaver(User):
    """A user whose greenlet ends by itself after a moment."""

    wait_time = constant(0)

    @task
    def leave(self) -> None:
        gevent.sleep(0.05)
        raise StopUser()


def test_the_fast_count_follows_spawns_and_stops_of_each_class_like_locusts():
    runner = Environment(user_classes=[Reader, Leaver]).create_local_runner()
    count_users_fast(runner)
    walk = type(runner).__mro__[1].user_classes_count.fget
    try:
        runner.spawn_users({"Reader": 300, "Leaver": 40})
        gevent.sleep(0.01)
        assert runner.user_classes_count == walk(runner) == {"Reader": 300, "Leaver": 40}
        assert isinstance(runner, LocalRunner)
        with mock.patch.object(CountingGroup, "__iter__", side_effect=AssertionError("walked the users")):
            assert runner.user_classes_count == {"Reader": 300, "Leaver": 40}
        runner.stop_users({"Reader": 120})
        gevent.sleep(0.2)
        assert runner.user_classes_count == walk(runner) == {"Reader": 180, "Leaver": 0}
    finally:
        runner.quit()
