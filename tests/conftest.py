"""Shared fixtures: every process a test starts is stopped by PID when the test ends; shared short runs."""

from __future__ import annotations

# Locust patches the standard library with gevent when it is first imported; a test module that
# imported requests (and so ssl) before that would make the patch recurse. Patch first, here.
import locust  # noqa: F401  # isort: skip

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from stacks import Stack, StackUnavailable

from flashcrowd.launch.target_process import TargetProcess, start_target

if TYPE_CHECKING:
    from run_helpers import ScrapedRun

# Fixtures that start a process and send it load: a test that uses one, directly or through another
# fixture, belongs to the load lane, so that `pytest -m "not load"` stays fast and sends nothing.
LOAD_FIXTURES = frozenset(
    {"target_factory", "start_stack", "smoke_run", "smoke_run_with_metrics", "slow_smoke_run"}
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Refuse to run when a test that sends load is not marked ``load``; run the fast lane first."""
    unmarked = [
        item.nodeid
        for item in items
        if LOAD_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("load") is None
    ]
    if unmarked:
        raise pytest.UsageError("these tests send load but are not marked load: " + ", ".join(unmarked))
    # A stable sort keeps each lane's own order: a plain mistake fails in the first minute or two.
    items.sort(key=lambda item: item.get_closest_marker("load") is not None)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Stop before the load lane when the fast lane failed: its twenty minutes would tell nothing new."""
    session = item.session
    if item.get_closest_marker("load") is None or getattr(session, "load_lane_started", False):
        return
    session.load_lane_started = True  # a load test's own failure must not stop the load tests after it
    if session.testsfailed:
        pytest.exit(
            f"{session.testsfailed} fast-lane test(s) failed: the load lane was not run", returncode=1
        )


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


# Three short ci-smoke runs, shared by the compare and live-metrics tests (about 15 s each).
@pytest.fixture(scope="session")
def smoke_run_with_metrics(tmp_path_factory) -> ScrapedRun:
    """A 12 s ci-smoke run on the ci-small profile, and the Prometheus scrapes taken while it ran."""
    from ports import free_port
    from run_helpers import SHORT_SMOKE, SMOKE, run_scraping

    return run_scraping(SMOKE, *SHORT_SMOKE, out=tmp_path_factory.mktemp("smoke-a"), port=free_port())


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """Another 12 s ci-smoke run on the same profile: what noise looks like."""
    from run_helpers import SHORT_SMOKE, SMOKE, run

    return run(SMOKE, *SHORT_SMOKE, out=tmp_path_factory.mktemp("smoke-b"))


@pytest.fixture(scope="session")
def slow_smoke_run(tmp_path_factory) -> Path:
    """The same run against a profile whose service times are four times longer."""
    from run_helpers import SHORT_SMOKE, SMOKE, run, slower_profile

    profile = slower_profile(tmp_path_factory.mktemp("slow-profile"), 4)
    return run(SMOKE, *SHORT_SMOKE, "--profile", str(profile), out=tmp_path_factory.mktemp("smoke-slow"))


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
