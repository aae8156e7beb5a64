"""Shared fixtures: every process a test starts is stopped by PID when the test ends."""

from __future__ import annotations

# Locust patches the standard library with gevent when it is first imported; a test module that
# imported requests (and so ssl) before that would make the patch recurse. Patch first, here.
import locust  # noqa: F401  # isort: skip

from collections.abc import Callable, Iterator, Sequence

import pytest

from flashcrowd.target_process import TargetProcess, start_target


@pytest.fixture
def target_factory() -> Iterator[Callable[..., TargetProcess]]:
    """Start bundled targets (``profile``, extra CLI args); all are stopped after the test."""
    started: list[TargetProcess] = []

    def start(profile: str = "ci-small", args: Sequence[str] = ()) -> TargetProcess:
        target = start_target(profile, args)
        started.append(target)
        return target

    yield start
    for target in started:
        target.stop()
