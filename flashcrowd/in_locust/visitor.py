"""Visitors who follow a scenario's journeys: where they come from, what they read, and when they retry.

:func:`visit` plays one session with its own :class:`~flashcrowd.http.http_client.Browser`
and can be driven by any Locust user (the closed-model :class:`Visitor` here, an
open-model arrival user elsewhere). Retries are requests named ``"<step> (retry)"``
with ``context["retry"]`` set to the attempt number (0 for first tries), so
Locust's statistics and the recorder count them apart. ``context["first_page"]`` is
True on every attempt at a session's first page (until one loads): the requests a
site's analytics count as new sessions, which the recorder counts by origin. A visitor
who joins mid-browse (``flashcrowd.scenario.steady_state``) has no cookies yet, so its
first request is one of those too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import gevent
from locust import User, constant, task

from flashcrowd.http.http_client import Browser
from flashcrowd.in_locust.locust_options import RunContext, run_context
from flashcrowd.in_locust.origins import pick_origin
from flashcrowd.load_models.curve_shape import TICK_S
from flashcrowd.scenario.journeys import page_loads
from flashcrowd.scenario.model import Journey, Scenario, Step
from flashcrowd.scenario.steady_state import JoinPoint, join_point
from target_app.geo import address_in

RETRY_SUFFIX = " (retry)"


def pick_journey(journeys: tuple[Journey, ...], rng: random.Random) -> Journey:
    return rng.choices(journeys, weights=[j.weight for j in journeys])[0]


def visit(
    scenario: Scenario,
    rng: random.Random,
    real_now_s: float,
    make_browser: Callable[[dict[str, str]], Browser],
    joined: JoinPoint | None = None,
    draw_origin: Callable[[dict[str, float], random.Random], str] = pick_origin,
) -> bool:
    """Play one visitor's session; True if every page it asked for loaded, False if it gave up.

    ``real_now_s`` is where the curve stands (origins shift during the night);
    ``make_browser(headers)`` opens the visitor's browser with its X-Forwarded-For;
    ``joined``: the session is already under way, it goes on from that step; ``draw_origin``
    picks the origin from the shares (a process's ``OriginDraw`` keeps its visitors to them).
    """
    journey = joined.journey if joined else pick_journey(scenario.journeys, rng)
    steps = [
        step
        for step in (journey.steps[joined.next_step :] if joined else journey.steps)
        if step.probability >= 1.0 or rng.random() < step.probability
    ]
    if not steps:  # joined in its last think: nothing to ask, and no origin drawn for the site to miss
        return True
    shares = scenario.origins.shares_at(real_now_s)
    origin = draw_origin(shares, rng)
    browser = make_browser({"X-Forwarded-For": address_in(origin, rng, exclude=shares)})
    context: dict[str, Any] = {"journey": journey.name, "origin": origin, "retry": 0, "first_page": True}
    try:
        for load, think in page_loads(steps, scenario.think_time):
            loaded = _load_page(browser, load, scenario, rng, context)
            browser.think(think.sample(rng))
            if not loaded:
                return False
        return True
    finally:
        browser.close()


def _load_page(
    browser: Browser, load: list[Step], scenario: Scenario, rng: random.Random, context: dict
) -> bool:
    """Ask for a page and then its assets; False at the first that did not load."""
    for step in load:
        loaded = _load_step(browser, step, scenario, rng, context)
        context["first_page"] = False
        if not loaded:
            return False
    return True


def _load_step(browser: Browser, step: Step, scenario: Scenario, rng: random.Random, context: dict) -> bool:
    """Ask for a page; after a failure reload it as the scenario's visitors do, or give up."""
    policy = scenario.on_error
    for attempt in range(policy.max_retries + 1):
        name = step.name if attempt == 0 else step.name + RETRY_SUFFIX
        page = browser.request(
            step.method, step.path, name=name, form=step.form, context={**context, "retry": attempt}
        )
        if page.ok:
            return True
        if attempt == policy.max_retries or rng.random() >= policy.probability:
            return False
        browser.think(policy.delay.sample(rng))
    return False


class Visitor(User):
    """A seat in the closed model: one visitor after another, each a fresh browser with new connections.

    The shape decides how many seats there are; a visitor who finishes or gives up
    is replaced by the next one, so the concurrency follows the curve. A seat the curve
    adds starts on a first page with the run's fresh share (``RunContext.fresh_share``),
    else it joins a session mid-browse.
    """

    abstract = False
    wait_time = constant(0)  # the session's own think times pace it

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.context: RunContext = run_context(environment)
        self.joined: JoinPoint | None = None

    def on_start(self) -> None:
        """Join mid-browse after the residual of a think, or arrive fresh: desynchronised, since visitors
        present at the start were already reading a page and later ones arrive spread over the tick
        that spawned them, not all in the same millisecond."""
        context = self.context
        wall_s = context.wall_s()
        if context.rng.random() >= context.fresh_share(wall_s):
            self.joined = join_point(context.scenario, context.rng)
        if self.joined is not None:
            gevent.sleep(self.joined.wait_s)
            return
        spread_s = context.scenario.think_time.mean if wall_s < TICK_S else TICK_S
        gevent.sleep(context.rng.uniform(0.0, spread_s))

    def _browser(self, headers: dict[str, str]) -> Browser:
        base_url = self.host or self.environment.host or ""
        return Browser(
            base_url,
            self.environment.events.request.fire,
            headers=headers,
            connect_timeout=self.context.connect_timeout_s,
            read_timeout=self.context.read_timeout_s,
            keepalive_idle_s=self.context.keepalive_idle_s,
            address=self.context.address(base_url),
            on_start=self.context.on_request_start,
            tls=self.context.tls_context(base_url),
        )

    def run_session(self) -> bool:
        joined, self.joined = self.joined, None
        return visit(
            self.context.scenario, self.context.rng, self.context.real_now_s(), self._browser, joined
        )

    @task
    def session(self) -> None:
        self.run_session()
