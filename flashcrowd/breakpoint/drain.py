"""Drain checks: has the site worked off what the last step left, so the next step measures only its own load?

One request at a time, on a fresh connection each (a backlog waits in the
accept queue too), outside Locust's statistics. On the idle site, before the
first step, :meth:`DrainProbe.calibrate` takes the baseline latency; after a
failing step, :meth:`DrainProbe.wait_until_drained` probes until the site
answers near that baseline twice in a row, or a time bound passes. How long
that took is the site's recovery time after overload.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import gevent

from flashcrowd.http.http_client import Browser
from flashcrowd.scenario.model import Scenario

CALIBRATION_PROBES = 5
DRAINED_IN_A_ROW = 2
PAUSE_S = 0.25
NEAR_FACTOR = 3.0  # "near the baseline": within this many times it ...
NEAR_SLACK_MS = 100.0  # ... or this much above it, whichever is more


@dataclass(frozen=True)
class Drained:
    """How a drain check ended: ``drained`` within ``seconds``, or not within the bound."""

    drained: bool
    seconds: float
    last_ms: float | None  # the last probe's latency (None: it failed)


def probe_path(scenario: Scenario) -> str:
    """The page the probe asks for: the first page visitors load that needs no form (else ``/``)."""
    steps = (step for journey in scenario.journeys for step in journey.steps)
    return next((step.path for step in steps if step.method == "GET"), "/")


class DrainProbe:
    """Probes one page of the site; ``baseline_ms`` once calibrated."""

    def __init__(self, host: str, path: str, address: tuple | None = None, tls: Any = None) -> None:
        self.host = host
        self.path = path
        self.address = address
        self.tls = tls  # the visitors' TLS context, for an https:// host
        self.baseline_ms: float | None = None

    @property
    def limit_ms(self) -> float | None:
        """The latency under which the site counts as drained."""
        if self.baseline_ms is None:
            return None
        return max(NEAR_FACTOR * self.baseline_ms, self.baseline_ms + NEAR_SLACK_MS)

    def probe_ms(self, timeout_s: float) -> float | None:
        """One request's latency in ms, or None if it failed (reset, timeout, error status)."""
        outcome: dict[str, object] = {}
        browser = Browser(
            self.host,
            lambda **event: outcome.update(event),
            connect_timeout=max(timeout_s, 0.1),
            read_timeout=max(timeout_s, 0.1),
            address=self.address,
            tls=self.tls,
        )
        try:
            page = browser.request("GET", self.path)
        finally:
            browser.close()
        return None if page.error is not None else float(outcome["response_time"])  # type: ignore[arg-type]

    def calibrate(self, timeout_s: float = 5.0) -> float | None:
        """The idle site's median latency (None if it does not answer); sets ``baseline_ms``.

        A site that fails a probe while idle has no baseline: the first step will say why.
        """
        measured: list[float] = []
        while len(measured) < CALIBRATION_PROBES and (answer := self.probe_ms(timeout_s)) is not None:
            measured.append(answer)
        self.baseline_ms = statistics.median(measured) if measured else None
        return self.baseline_ms

    def wait_until_drained(self, bound_s: float) -> Drained:
        """Probe until two answers in a row come near the baseline, or ``bound_s`` passes."""
        started = time.monotonic()
        limit = self.limit_ms
        in_a_row = 0
        last: float | None = None
        while (left := bound_s - (time.monotonic() - started)) > 0:
            last = self.probe_ms(left)
            near = last is not None and (limit is None or last <= limit)
            in_a_row = in_a_row + 1 if near else 0
            if in_a_row >= DRAINED_IN_A_ROW:
                return Drained(True, time.monotonic() - started, last)
            gevent.sleep(PAUSE_S)
        return Drained(False, time.monotonic() - started, last)
