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

from flashcrowd.classify import failure_detail
from flashcrowd.http_client import Browser

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
    stack = start_stack(gunicorn_stack, workers=2)  # 40 req/s: 120 clients would wait 3 s each

    tally = closed_loop(stack.url, clients=120, timeout_s=1.0)

    assert tally.failures["read_timeout"] > 0, tally
    assert set(tally.failures) == {"read_timeout"}, tally
    assert statistics.median(tally.latencies_ms) > 5 * stack.service_s * 1000, tally


def test_haproxy_past_capacity_answers_503(start_stack):
    stack = start_stack(haproxy_stack, timeout_queue_s=0.5)  # 80 req/s drain 40 queued within the timeout

    tally = closed_loop(stack.url, clients=200)

    assert tally.failures["http_503"] > tally.served, tally
    assert set(tally.failures) == {"http_503"}, tally
    assert tally.rps == pytest.approx(stack.capacity_rps, rel=TOLERANCE), tally


def test_nginx_past_worker_connections_closes_connections_without_a_response(start_stack):
    stack = start_stack(nginx_stack, worker_connections=64)  # about 31 requests in flight

    tally = closed_loop(stack.url, clients=150)

    # nginx accepts, finds no free connection ("64 worker_connections are not enough") and closes:
    # a FIN, or a RST when the request was already in its buffer
    assert tally.failures["empty_response"] + tally.failures["connection_reset"] > tally.served, tally
    assert set(tally.failures) <= {"empty_response", "connection_reset"}, tally
    assert tally.rps == pytest.approx(stack.capacity_rps, rel=TOLERANCE), tally


def test_a_missing_program_skips_the_test_with_its_reason(start_stack, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)

    with pytest.raises(pytest.skip.Exception, match=r"haproxy not installed: \.ci/run installs it"):
        start_stack(haproxy_stack)
