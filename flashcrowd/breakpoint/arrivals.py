"""The open-model user: a Poisson stream of visitor sessions that does not slow down when the site does.

Each :class:`ArrivalStream` starts sessions at ``rate_per_s`` on average, each
in its own greenlet, whether or not earlier sessions have finished, as a flash
crowd arrives. The offered arrival rate is therefore user count x
``rate_per_s``, and a load shape controls it through Locust's user count (which
also spreads it over workers). A session's first request is timed from its
scheduled arrival, so a generator that starts it late cannot hide the delay.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

import gevent
from gevent.pool import Group

from flashcrowd.breakpoint.probe import ARRIVALS
from flashcrowd.http.http_client import Browser
from flashcrowd.in_locust.visitor import Visitor, visit


class ArrivalStream(Visitor):
    """One stream of session arrivals; find-break's set-up sets ``rate_per_s`` and ``max_sessions``."""

    rate_per_s = 1.0
    # Sessions in flight per generator process; beyond it arrivals are dropped (and the guard
    # reports the step as generator limited) rather than exhausting memory or ports.
    max_sessions = 5000
    sessions: Group = Group()  # every stream's sessions in this process, for the cap

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        # Each stream its own generator so arrivals stay independent whatever the greenlets' order.
        self.arrival_rng = random.Random(self.context.rng.random())
        self.own_sessions = Group()

    def on_stop(self) -> None:
        """A stream that stops takes its sessions with it: once find-break drops the load, none is left
        to send requests into the next step."""
        self.own_sessions.kill(block=False)

    def arrive(self) -> None:
        """Start sessions at Poisson-distributed moments until Locust stops this user."""
        due = time.time()
        while True:
            due += self.arrival_rng.expovariate(self.rate_per_s)
            gevent.sleep(max(due - time.time(), 0.0))
            ARRIVALS.due += 1
            if len(self.sessions) < self.max_sessions:
                session = self.own_sessions.spawn(self._session, due)
                self.sessions.add(session)

    def _session(self, due: float) -> None:
        ARRIVALS.started += 1
        context = self.context
        browser = self._timed_browser(due)
        visit(context.scenario, context.rng, context.real_now_s(), browser, draw_origin=context.draw_origin)

    def _timed_browser(self, due: float) -> Callable[[dict[str, str]], Browser]:
        """A browser factory whose first request is timed from ``due``, the session's scheduled arrival."""
        fire = self.environment.events.request.fire
        intended_start: float | None = due

        def on_request(**request: Any) -> None:
            nonlocal intended_start
            if intended_start is not None:
                request["context"] = {**request["context"], "intended_start": intended_start}
                intended_start = None
            fire(**request)

        def make_browser(headers: dict[str, str]) -> Browser:
            browser = self._browser(headers)
            browser.on_request = on_request
            return browser

        return make_browser

    @classmethod
    def stop_sessions(cls) -> None:
        """End the sessions still in flight (they outlive their streams); call when the test stops."""
        cls.sessions.kill(block=False)


# Replace, not extend, the Visitor's one-session-at-a-time task (Locust appends a subclass's tasks).
ArrivalStream.tasks = [ArrivalStream.arrive]
