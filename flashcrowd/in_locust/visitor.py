"""Visitors who follow a scenario's journeys: where they come from, what they read, and when they retry.

:func:`visit` plays one session with its own :class:`~flashcrowd.in_locust.http_client.Browser`
and can be driven by any Locust user (the closed-model :class:`Visitor` here, an
open-model arrival user elsewhere). Retries are requests named ``"<step> (retry)"``
with ``context["retry"]`` set to the attempt number (0 for first tries), so
Locust's statistics and the recorder count them apart. ``context["first_page"]`` is
True on every attempt at a session's first page (until one loads): the requests a
site's analytics count as new sessions, which the recorder counts by origin.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import gevent
from locust import User, constant, task

from flashcrowd.in_locust.http_client import Browser
from flashcrowd.in_locust.locust_options import RunContext, run_context
from flashcrowd.load_models.curve_shape import TICK_S
from flashcrowd.scenario.model import Journey, Scenario, Step
from target_app.geo import address_in

RETRY_SUFFIX = " (retry)"


def pick_origin(shares: dict[str, float], rng: random.Random) -> str:
    """An origin drawn by its share (the shares need not sum to one)."""
    names = list(shares)
    return rng.choices(names, weights=[max(shares[n], 0.0) for n in names])[0]


def pick_journey(journeys: tuple[Journey, ...], rng: random.Random) -> Journey:
    return rng.choices(journeys, weights=[j.weight for j in journeys])[0]


def visit(
    scenario: Scenario,
    rng: random.Random,
    real_now_s: float,
    make_browser: Callable[[dict[str, str]], Browser],
) -> bool:
    """Play one visitor's session; True if every page it asked for loaded, False if it gave up.

    ``real_now_s`` is where the curve stands (origins shift during the night);
    ``make_browser(headers)`` opens the visitor's browser with its X-Forwarded-For.
    """
    shares = scenario.origins.shares_at(real_now_s)
    origin = pick_origin(shares, rng)
    journey = pick_journey(scenario.journeys, rng)
    browser = make_browser({"X-Forwarded-For": address_in(origin, rng, exclude=shares)})
    context: dict[str, Any] = {"journey": journey.name, "origin": origin, "retry": 0, "first_page": True}
    try:
        for step in journey.steps:
            if step.probability < 1.0 and rng.random() >= step.probability:
                continue
            loaded = _load_step(browser, step, scenario, rng, context)
            context["first_page"] = False
            browser.think((step.think or scenario.think_time).sample(rng))
            if not loaded:
                return False
        return True
    finally:
        browser.close()


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
    is replaced by the next one, so the concurrency follows the curve.
    """

    abstract = False
    wait_time = constant(0)  # the session's own think times pace it

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.context: RunContext = run_context(environment)

    def on_start(self) -> None:
        """Desynchronise arrivals: visitors present at the start were already reading a page; later
        ones arrive spread over the tick that spawned them, not all in the same millisecond."""
        spread_s = self.context.scenario.think_time.mean if self.context.wall_s() < TICK_S else TICK_S
        gevent.sleep(self.context.rng.uniform(0.0, spread_s))

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
        return visit(self.context.scenario, self.context.rng, self.context.real_now_s(), self._browser)

    @task
    def session(self) -> None:
        self.run_session()
