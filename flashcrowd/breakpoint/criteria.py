"""Step verdicts: did the site serve the load of one step, and if not, how did it fail first.

A step fails when the site did not serve what it was offered, whatever the way:
failed requests of any kind (resets, refusals, timeouts, connections closed
without a response, 5xx) beyond a share of the step's requests, counted and
named as the timeline's first failure is (results/analysis.py's
FAILED_REQUESTS; the share's default is its FAILURE_SHARE); on top of that, the
criteria only a step can be judged on: in the open
model, requests answered falling short of those sent, with a backlog of a few
requests at least that grew over the window (the site is not keeping up);
latency far beyond the lightest step's, or beyond the scenario's p95 SLO. Each
criterion needs a few requests of evidence, never one: a step with fewer than
``MIN_JUDGED_REQUESTS`` is lengthened (stepshape.py), and its latency is judged
only once it has them. Each criterion can be switched off (``None``); the
thresholds' defaults are in flashcrowd/options.py. The generator guard
(guard.py) runs before these: a step the generator could not deliver is never
judged against the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flashcrowd.results.analysis import FAILED_REQUESTS, main_failure

FAILURE_KINDS = (*FAILED_REQUESTS, "not_keeping_up", "latency", "throughput_plateau")
GENERATOR_LIMITED = "generator_limited"
UNDRAINED = "undrained"
# Under this many requests a p95 is one request's latency: the step is lengthened, and its latency not
# judged until it has them. (At 20, a p95 over a limit takes at least two slow requests.)
MIN_JUDGED_REQUESTS = 20


@dataclass(frozen=True)
class StepMeasure:
    """What one step's measuring window saw, in the units of the search."""

    load: int  # Locust users asked for: visitors (closed) or arrival streams (open)
    offered: float  # the load in its own unit: concurrent visitors, or sessions started per second
    requests: int  # requests that ended in the window (successes and failures) and began in this step
    throughput_rps: float  # successful responses per second
    p50_ms: float | None
    p95_ms: float | None
    errors: Mapping[str, int] = field(default_factory=dict)  # by classify.failure_kind
    sent: int = 0  # requests sent in the window
    seconds: float = 0.0  # the window's length
    carried_over: int = 0  # ended in the window, sent in an earlier step: not in ``requests``
    p95_ok_ms: float | None = None  # successful requests only
    mean_ms: float | None = None  # mean latency of the window's requests
    drain_s: float = 0.0  # how long the site took to drain before this step began
    drain_expected_s: float | None = None  # the wait the previous step's backlog called for
    backlog: int = 0  # requests sent in this step and not answered by its end: what the site has to drain
    # What the generator managed, for the guard (guard.py).
    achieved_ratio: float = 1.0  # users running / asked (closed), sessions started / scheduled (open)
    generator_cpu: float = 0.0  # busiest generator process, fraction of one core
    loop_lag_ms: float = 0.0  # mean gevent loop lag of the laggiest generator process

    def count(self, kinds: tuple[str, ...]) -> int:
        return sum(self.errors.get(kind, 0) for kind in kinds)

    @property
    def failed(self) -> int:
        """Requests that failed in a way that counts against the site (every kind but 4xx)."""
        return sum(self.count(kinds) for kinds in FAILED_REQUESTS.values())

    @property
    def ended_rps(self) -> float:
        """Requests that ended a second, successes and failures."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def backlog_growth(self) -> int:
        """How much the requests in flight grew over the window: sent in it minus ended in it."""
        return self.sent - self.requests

    @property
    def sent_rps(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    @property
    def resets(self) -> int:
        return self.count(FAILED_REQUESTS["resets"])

    @property
    def slowest_p95_ms(self) -> float | None:
        """The worse of the p95 of all requests and of successes (instant resets pull the first down)."""
        values = [v for v in (self.p95_ms, self.p95_ok_ms) if v is not None]
        return max(values, default=None)


@dataclass(frozen=True)
class Verdict:
    """``good``, ``bad`` with the kind of failure, or ``inconclusive``; ``reason`` says why in one line."""

    status: str  # good, bad, inconclusive
    kind: str | None = None  # one of FAILURE_KINDS, GENERATOR_LIMITED or UNDRAINED
    reason: str = ""
    resets: bool = False  # sustained connection resets, whatever failed first

    @property
    def failed(self) -> bool:
        return self.status == "bad"

    @property
    def inconclusive(self) -> bool:
        return self.status == "inconclusive"


GOOD = Verdict("good")


@dataclass(frozen=True)
class Criteria:
    """Thresholds of a failing step; None switches a criterion off (defaults: flashcrowd/options.py)."""

    # Failed requests: at least this many AND more than this share of the step's requests, so
    # neither one unlucky failure in a quiet window nor a handful in a busy one counts. The open
    # model's backlog must also grow by at least this many requests.
    min_failures: int
    max_failure_rate: float | None
    # Open model: requests answered in the window / requests sent in it, at least this.
    min_served: float | None
    # Latency: p95 above this many times the lightest step's (and at least LATENCY_FLOOR_MS above it),
    # or above an absolute limit (the scenario's p95 SLO by default).
    max_latency_factor: float | None
    max_p95_ms: float | None
    # Throughput must rise by at least this share of the offered load's rise over the nearest
    # lower good step; below it, more load no longer buys more throughput.
    min_throughput_gain: float | None

    LATENCY_FLOOR_MS = 100.0  # a site answering in 2 ms is not "failing" at 10 ms

    def judge(
        self, step: StepMeasure, lightest: StepMeasure | None = None, lower_good: StepMeasure | None = None
    ) -> Verdict:
        """The verdict on ``step``; ``lightest`` is the lightest step measured, ``lower_good`` the
        nearest lower step that held."""
        resets = self._sustained(step.resets, step.requests)
        if step.requests == 0:  # every request outlasted the window: the site stalls
            return Verdict("bad", "timeouts", "no request ended in the window", resets)
        if step.failed == step.requests:  # however few: not one was served
            kind, reason = main_failure(step.errors, step.requests)
            return Verdict("bad", kind, f"every request failed: {reason}", resets)
        failure = self._failed_requests(step) or self._not_keeping_up(step) or self._latency(step, lightest)
        if failure is None and self.min_throughput_gain is not None and lower_good is not None:
            failure = self._plateau(step, lower_good)
        if failure is None:
            return Verdict("good", resets=resets)
        kind, reason = failure
        return Verdict("bad", kind, reason, resets)

    def _sustained(self, failures: int, requests: int) -> bool:
        if self.max_failure_rate is None:
            return failures >= max(self.min_failures, 1)
        return failures >= max(self.min_failures, 1) and failures > self.max_failure_rate * requests

    def _failed_requests(self, step: StepMeasure) -> tuple[str, str] | None:
        if self.max_failure_rate is None or not self._sustained(step.failed, step.requests):
            return None
        return main_failure(step.errors, step.requests)  # named as the timeline's first failure is

    def _not_keeping_up(self, step: StepMeasure) -> tuple[str, str] | None:
        """Fewer answered than sent, by a backlog of a few requests at least: one request still in flight
        at the window's end is not a site falling behind."""
        if self.min_served is None or step.backlog_growth < max(self.min_failures, 1):
            return None
        answered = step.requests / step.sent
        if answered >= self.min_served:
            return None
        return "not_keeping_up", (
            f"{step.requests} requests answered of {step.sent} sent ({answered:.0%}): the site fell behind "
            f"by {step.backlog_growth} over {step.seconds:g} s"
        )

    def _latency(self, step: StepMeasure, lightest: StepMeasure | None) -> tuple[str, str] | None:
        p95 = step.slowest_p95_ms
        if p95 is None or step.requests < MIN_JUDGED_REQUESTS:
            return None
        if self.max_p95_ms is not None and p95 > self.max_p95_ms:
            return "latency", f"p95 {p95:.0f} ms > {self.max_p95_ms:.0f} ms"
        base = lightest.slowest_p95_ms if lightest is not None and lightest is not step else None
        if self.max_latency_factor is None or base is None:
            return None
        limit = max(self.max_latency_factor * base, base + self.LATENCY_FLOOR_MS)
        if p95 > limit:
            return "latency", (
                f"p95 {p95:.0f} ms > {limit:.0f} ms ({self.max_latency_factor:g} x the lightest step's "
                f"{base:.0f} ms)"
            )
        return None

    def _plateau(self, step: StepMeasure, lower: StepMeasure) -> tuple[str, str] | None:
        offered_gain = step.offered / lower.offered - 1 if lower.offered else 0.0
        if offered_gain <= 0 or lower.throughput_rps <= 0:
            return None
        throughput_gain = step.throughput_rps / lower.throughput_rps - 1
        if throughput_gain < self.min_throughput_gain * offered_gain:
            return "throughput_plateau", (
                f"throughput {lower.throughput_rps:.1f} -> {step.throughput_rps:.1f} req/s "
                f"({throughput_gain:+.0%}) while offered load rose {offered_gain:+.0%}"
            )
        return None
