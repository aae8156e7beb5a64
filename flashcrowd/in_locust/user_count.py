"""Count a runner's users in constant time: Locust walks every user greenlet to count them.

``Runner.user_classes_count`` iterates over all users, and a worker calls it several times
for each spawn message (once more in a debug line it formats even when debug is off) and
with every report: at 100,000 visitors that is 71 ms a call on this machine, a third of a
core during a ramp, spent counting. The load models spawn one user class, so the count is
the size of the runner's group of user greenlets.
"""

from __future__ import annotations

from typing import Any


def count_users_fast(runner: Any) -> None:
    """Give ``runner`` a constant-time ``user_classes_count`` when it runs a single user class."""
    base = type(runner)
    if getattr(base, "counts_fast", False):
        return

    class FastCount(base):  # type: ignore[misc, valid-type]
        counts_fast = True

        @property
        def user_classes_count(self) -> dict[str, int]:
            if len(self.user_classes) != 1:
                return base.user_classes_count.fget(self)
            return {self.user_classes[0].__name__: len(self.user_greenlets)}

    FastCount.__name__ = base.__name__
    runner.__class__ = FastCount
