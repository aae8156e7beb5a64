"""Visitors: origins, journeys, retries counted as such, browser-like connections, failures surfaced once."""

from __future__ import annotations

import random
import socket
import struct
import time

import gevent
import pytest
from loadgen_helpers import make_scenario, tiny_site
from ports import closed_port

from flashcrowd.http.classify import ConnectTimeout, HTTPStatusError, ReadTimeout, failure_kind
from flashcrowd.http.http_client import Browser
from flashcrowd.in_locust.origins import OriginDraw, pick_origin
from flashcrowd.in_locust.visitor import RETRY_SUFFIX, address_in, visit
from flashcrowd.scenario.model import Distribution, OriginMix, RetryPolicy, Step
from target_app.geo import country_of


class Events:
    """Collects what a Browser reports, as Locust's request event would receive it."""

    def __init__(self) -> None:
        self.fired: list[dict] = []

    def __call__(self, **event) -> None:
        self.fired.append(event)


def _browser_factory(url: str, events: Events, **settings):
    return lambda headers: Browser(url, events, headers=headers, **settings)


def test_addresses_come_from_the_origins_countries_in_the_geoip_database():
    rng = random.Random(1)
    for origin in ("US", "CA", "NZ"):
        assert {country_of(address_in(origin, rng)) for _ in range(50)} == {origin}
    others = {country_of(address_in("other", rng, exclude={"US": 0.5, "CA": 0.5})) for _ in range(50)}
    assert others and not others & {"US", "CA", "other"}
    assert country_of(address_in("Atlantis", rng, exclude=("US",))) not in {"US", "other"}


def test_origins_are_drawn_by_their_share_at_the_curves_time():
    rng = random.Random(2)
    mix = OriginMix((0.0, 100.0), ({"US": 0.1, "CA": 0.9}, {"US": 0.9, "CA": 0.1}))
    early = [pick_origin(mix.shares_at(0.0), rng) for _ in range(2000)]
    late = [pick_origin(mix.shares_at(100.0), rng) for _ in range(2000)]
    assert 0.05 < early.count("US") / 2000 < 0.15
    assert 0.85 < late.count("US") / 2000 < 0.95


def test_a_process_draws_origins_that_keep_to_the_shares_as_they_shift():
    """Any run of visitors is within about one of the shares: 2 points are 6 sessions in 300."""
    draw, rng = OriginDraw(), random.Random(3)
    mix = OriginMix(
        (0.0, 300.0), ({"US": 0.1, "CA": 0.78, "other": 0.12}, {"US": 0.5, "CA": 0.42, "other": 0.08})
    )
    drawn = [(t, draw(mix.shares_at(t), rng)) for t in range(300)]
    for start in range(0, 300, 50):
        window = drawn[start : start + 50]
        expected = sum(mix.shares_at(t)["US"] for t, _ in window)
        assert abs([origin for _, origin in window].count("US") - expected) <= 2
    assert {origin for _, origin in drawn} == {"US", "CA", "other"}


def test_a_visit_walks_the_journey_with_its_origin_and_cookies():
    steps = (
        Step("home", "GET", "/"),
        Step("skipped", "GET", "/never", probability=0.0),
        Step("form", "POST", "/f"),
    )
    scenario = make_scenario([(0, 1)], duration_s=1, steps=steps, think=Distribution("constant", 0.0))
    events = Events()
    with tiny_site() as (url, seen):
        assert visit(scenario, random.Random(3), 0.0, _browser_factory(url, events))
    assert [(s["REQUEST_METHOD"], s["PATH_INFO"]) for s in seen] == [("GET", "/"), ("POST", "/f")]
    assert seen[0]["HTTP_X_FORWARDED_FOR"] == seen[1]["HTTP_X_FORWARDED_FOR"]
    assert country_of(seen[0]["HTTP_X_FORWARDED_FOR"]) in {"US", "CA"}
    assert [e["name"] for e in events.fired] == ["home", "form"]
    assert all(e["exception"] is None and e["response_length"] == 5 for e in events.fired)
    assert events.fired[0]["context"]["journey"] == "browse"


def test_a_pages_assets_load_with_it_and_its_reader_thinks_after_them():
    steps = (
        Step("home", "GET", "/", think=Distribution("constant", 0.3)),
        Step("assets", "GET", "/a.css", think=Distribution("constant", 0.0)),
        Step("assets", "GET", "/a.js", think=Distribution("constant", 0.0)),
        Step("next", "GET", "/next", think=Distribution("constant", 0.0)),
    )
    scenario = make_scenario([(0, 1)], duration_s=1, steps=steps)
    arrived: list[tuple[str, float]] = []
    with tiny_site() as (url, _):
        browser = _browser_factory(url, lambda **event: arrived.append((event["name"], time.monotonic())))
        assert visit(scenario, random.Random(3), 0.0, browser)
    assert [name for name, _ in arrived] == ["home", "assets", "assets", "next"]
    at = [moment - arrived[0][1] for _, moment in arrived]
    assert at[2] < 0.15 and at[3] - at[2] >= 0.3, at  # home and its assets at once, then the think


def test_errors_are_retried_only_as_the_scenario_says_and_counted_as_retries():
    policy = RetryPolicy(probability=1.0, delay=Distribution("constant", 0.0), max_retries=2)
    scenario = make_scenario([(0, 1)], duration_s=1, on_error=policy, think=Distribution("constant", 0.0))
    events = Events()
    with tiny_site("503 Service Unavailable") as (url, seen):
        assert not visit(scenario, random.Random(4), 0.0, _browser_factory(url, events))
    assert len(seen) == 3  # one try and two retries reached the site, nothing hidden
    assert [e["name"] for e in events.fired] == ["home", "home" + RETRY_SUFFIX, "home" + RETRY_SUFFIX]
    assert [e["context"]["retry"] for e in events.fired] == [0, 1, 2]
    assert all(isinstance(e["exception"], HTTPStatusError) for e in events.fired)
    assert failure_kind(events.fired[0]["exception"]) == "http_5xx"


def test_a_visitor_who_does_not_retry_leaves_after_one_failure():
    scenario = make_scenario([(0, 1)], duration_s=1, steps=(Step("a", "GET", "/a"), Step("b", "GET", "/b")))
    events = Events()
    with tiny_site("500 Internal Server Error") as (url, seen):
        assert not visit(scenario, random.Random(5), 0.0, _browser_factory(url, events))
    assert len(seen) == 1


def _client_ports(think_s: float, keepalive_idle_s: float) -> int:
    """How many TCP connections a three-page visit opened, counted by the site."""
    steps = tuple(Step(f"p{i}", "GET", f"/{i}") for i in range(3))
    scenario = make_scenario([(0, 1)], duration_s=1, steps=steps, think=Distribution("constant", think_s))
    with tiny_site() as (url, seen):
        settings = {"keepalive_idle_s": keepalive_idle_s}
        assert visit(scenario, random.Random(6), 0.0, _browser_factory(url, Events(), **settings))
    assert len(seen) == 3
    return len({request["REMOTE_PORT"] for request in seen})


def test_a_connection_lives_while_pages_load_and_closes_during_a_long_think():
    assert _client_ports(think_s=0.01, keepalive_idle_s=1.0) == 1
    assert _client_ports(think_s=0.05, keepalive_idle_s=0.02) == 3


@pytest.fixture
def listener():
    server = socket.create_server(("127.0.0.1", 0), backlog=0)
    yield server
    server.close()


def _reset_every_connection(server: socket.socket, accepted: list[int]) -> None:
    while True:
        conn, _ = server.accept()
        accepted.append(1)
        conn.recv(65536)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()


def test_a_reset_surfaces_once_as_connection_reset_by_peer(listener):
    accepted: list[int] = []
    resetter = gevent.spawn(_reset_every_connection, listener, accepted)
    events = Events()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    page = Browser(url, events).request("GET", "/")
    resetter.kill()
    assert not page.ok
    error = events.fired[0]["exception"]
    assert isinstance(error, ConnectionResetError)
    assert (error.errno, error.strerror) == (104, "Connection reset by peer")
    assert len(accepted) == 1 and len(events.fired) == 1  # no hidden retry of the GET


def test_an_unanswered_request_is_a_read_timeout(listener):
    held: list[socket.socket] = []
    acceptor = gevent.spawn(lambda: held.append(listener.accept()[0]))
    events = Events()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    started = time.monotonic()
    Browser(url, events, read_timeout=0.3).request("GET", "/")
    acceptor.kill()
    for conn in held:
        conn.close()
    assert isinstance(events.fired[0]["exception"], ReadTimeout)
    assert failure_kind(events.fired[0]["exception"]) == "read_timeout"
    assert time.monotonic() - started < 5


def test_a_full_accept_queue_is_a_connect_timeout(listener):
    # Nobody accepts and the backlog is 0: once the queue holds its connection, the kernel drops SYNs.
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    gevent.sleep(0.1)
    events = Events()
    Browser(url, events, connect_timeout=0.3).request("GET", "/")
    for filler in fillers:
        filler.close()
    assert isinstance(events.fired[0]["exception"], ConnectTimeout)
    assert failure_kind(events.fired[0]["exception"]) == "connect_timeout"


def test_a_closed_port_is_refused():
    url = f"http://127.0.0.1:{closed_port()}"
    events = Events()
    Browser(url, events).request("GET", "/")
    assert failure_kind(events.fired[0]["exception"]) == "connection_refused"
