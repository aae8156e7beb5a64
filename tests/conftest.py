"""Shared fixtures: every process a test starts is stopped by PID when the test ends."""

from __future__ import annotations

# Locust patches the standard library with gevent when it is first imported; a test module that
# imported requests (and so ssl) before that would make the patch recurse. Patch first, here.
import locust  # noqa: F401  # isort: skip

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from stacks import Stack, StackUnavailable

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


@pytest.fixture
def start_stack() -> Iterator[Callable[..., Stack]]:
    """Start real stacks (a launcher from ``stacks`` and its options); all are stopped after the test.

    A program the stack needs that is not installed skips the test, with the reason.
    """
    with contextlib.ExitStack() as started:

        def start(launcher: Callable[..., contextlib.AbstractContextManager[Stack]], **options: Any) -> Stack:
            try:
                return started.enter_context(launcher(**options))
            except StackUnavailable as missing:
                pytest.skip(str(missing))

        yield start
