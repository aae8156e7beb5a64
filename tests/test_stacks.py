"""The real stacks: the capacity computed from each configuration agrees with a measurement, and past it
each fails the way its ``overload`` says.

Load comes from a closed loop of keep-alive browsers (flashcrowd's own client,
so failures are named as find-break names them) asking for pages back to back,
for a few seconds, on 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import gevent
import pytest
from stacks import STACKS, gunicorn_stack, haproxy_stack, nginx_stack

from flashcrowd.http.classify import failure_detail
from flashcrowd.http.http_client import Browser

pytestmark = pytest.mark.load

PATHS = ("/english/index.asp", "/english/immigrate/index.asp", "/assets/css/site.css", "/anything/else")
TOLERANCE = 0.15


@dataclass
class Tally:
    """What the measuring window saw: pages served, failures by detail, latencies of the served ones."""

    window_s: float
    served: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.served / self.window_s


def closed_loop(
    url: str, clients: int, *, window_s: float = 3.0, warmup_s: float = 1.0, timeout_s: float = 10.0
) -> Tally:
    """``clients`` browsers asking for pages back to back: what ended in the window after warm-up."""
    window_start = time.monotonic() + warmup_s
    window_end = window_start + window_s
    tally = Tally(window_s)

    def record(**request: Any) -> None:  # the keyword arguments of Locust's request event
        if not window_start <= time.monotonic() < window_end:
            return
        error = request["exception"]
        if error is None:
            tally.served += 1
            tally.latencies_ms.append(float(request["response_time"]))
        else:
            tally.failures[failure_detail(error)] += 1

    def browse(number: int) -> None:
        browser = Browser(url, record, connect_timeout=timeout_s, read_timeout=timeout_s)
        try:
            for page in range(number, 10**9):
                if not browser.request("GET", PATHS[page % len(PATHS)]).ok:
                    gevent.sleep(0.05)  # a client turned away does not spin
        finally:
            browser.close()

    browsers = [gevent.spawn(browse, number) for number in range(clients)]
    gevent.sleep(warmup_s + window_s)
    gevent.killall(browsers, timeout=5)
    return tally


@pytest.mark.parametrize("name", STACKS)
def test_capacity_from_configuration_is_what_the_stack_serves(start_stack, name):
    stack = start_stack(STACKS[name])
    assert stack.capacity_rps == pytest.approx(80)  # 4 workers, 50 ms

    tally = closed_loop(stack.url, clients=24)

    assert not tally.failures
    assert tally.rps == pytest.approx(stack.capacity_rps, rel=TOLERANCE), tally


def test_gunicorn_past_capacity_makes_clients_wait_then_time_out(start_stack):
    stack = start_stack(gunicorn_stack, workers=2)  # 40 req/s: 120 clients wait 3 s each in the backlog

    patient = closed_loop(stack.url, clients=120, timeout_s=10.0)
    hasty = closed_loop(stack.url, clients=120, timeout_s=1.0)

    assert not patient.failures, patient
    assert statistics.median(patient.latencies_ms) > 10 * stack.service_s * 1000, patient
    assert patient.rps == pytest.approx(stack.capacity_rps, rel=TOLERANCE), patient
    # the workers still serve the requests of clients who gave up: those in time are few
    assert hasty.failures["read_timeout"] > hasty.served, hasty
    assert set(hasty.failures) == {"read_timeout"}, hasty


@pytest.mark.parametrize(
    ("launcher", "options", "failures"),
    [
        # 80 req/s drain 40 queued requests within the queue timeout
        (haproxy_stack, {"timeout_queue_s": 0.5}, {"http_503"}),
        # about 31 requests in flight; nginx then accepts, finds no free connection ("64
        # worker_connections are not enough") and closes: a FIN, or a RST if the request had come
        (nginx_stack, {"worker_connections": 64}, {"empty_response", "connection_reset"}),
    ],
    ids=["haproxy", "nginx"],
)
def test_a_front_end_fails_as_documented_past_its_waiting_places(start_stack, launcher, options, failures):
    stack = start_stack(launcher, **options)

    within = closed_loop(stack.url, clients=stack.workers + stack.max_waiting * 3 // 4)
    beyond = closed_loop(stack.url, clients=stack.workers + stack.max_waiting * 4)

    assert not within.failures, within
    assert sum(beyond.failures.values()) > beyond.served, beyond
    assert set(beyond.failures) <= failures, beyond
    assert beyond.rps == pytest.approx(stack.capacity_rps, rel=TOLERANCE), beyond


def test_a_missing_program_skips_the_test_with_its_reason(start_stack, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)

    with pytest.raises(pytest.skip.Exception, match=r"haproxy not installed: \.ci/run installs it"):
        start_stack(haproxy_stack)
