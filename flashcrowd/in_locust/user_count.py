"""Count a runner's users in constant time: Locust walks every user greenlet to count them.

``Runner.user_classes_count`` iterates over all users, and a runner calls it several times
for each spawn (once more in a debug line it formats even when debug is off) and with
every report: at 100,000 visitors that is 71 ms a call on this machine, a third of a core
during a ramp, spent counting. The locustfile names two user classes (visitors and the
open model's arrival streams), so the count is kept by class as greenlets join and leave
the runner's group.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from gevent.pool import Group


class CountingGroup(Group):
    """A gevent ``Group`` of user greenlets that keeps how many it holds of each user class."""

    def __init__(self, *args: Any) -> None:
        self.classes: dict[Any, str] = {}  # greenlet -> its user's class name (its args go when it dies)
        self.by_class: Counter[str] = Counter()
        super().__init__(*args)
        for greenlet in self.greenlets:
            self._count(greenlet)

    def add(self, greenlet: Any) -> None:
        if greenlet not in self.greenlets:
            self._count(greenlet)
        super().add(greenlet)

    def _discard(self, greenlet: Any) -> None:
        name = self.classes.pop(greenlet, None)
        if name is not None:
            self.by_class[name] -= 1
        super()._discard(greenlet)

    def _count(self, greenlet: Any) -> None:
        args = getattr(greenlet, "args", ())
        if args:  # Locust spawns users as run_user(user): the user is the first argument
            name = type(args[0]).__name__
            self.classes[greenlet] = name
            self.by_class[name] += 1


def count_users_fast(runner: Any) -> None:
    """Give ``runner`` a constant-time ``user_classes_count`` (the same answer as Locust's walk)."""
    base = type(runner)
    if getattr(base, "counts_fast", False):
        return

    class FastCount(base):  # type: ignore[misc, valid-type]
        counts_fast = True

        @property
        def user_classes_count(self) -> dict[str, int]:
            counts = self.user_greenlets.by_class
            return {user_class.__name__: counts[user_class.__name__] for user_class in self.user_classes}

    FastCount.__name__ = base.__name__
    runner.user_greenlets = CountingGroup(runner.user_greenlets.greenlets)
    runner.__class__ = FastCount
