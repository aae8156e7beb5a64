"""Step verdicts: did the site hold the load of one step, and if not, what failed first.

A step fails on the first criterion it breaks, checked in the order of
:data:`FAILURE_KINDS`. Each criterion can be switched off (``None``); by default
only sustained connection failures (resets, timeouts, refusals) count, which is
the mission's question. The generator guard (guard.py) runs before these: a
step the generator could not deliver is never judged against the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Reported failure kinds, in the order they are checked, and the classify.py kinds each one counts.
CONNECTION_KINDS: dict[str, tuple[str, ...]] = {
    "resets": ("connection_reset",),
    "timeouts": ("connect_timeout", "read_timeout"),
    "refused": ("connection_refused",),
}
FAILURE_KINDS = (*CONNECTION_KINDS, "http_5xx", "latency", "throughput_plateau")
GENERATOR_LIMITED = "generator_limited"


@dataclass(frozen=True)
class StepMeasure:
    """What one step's measuring window saw, in the units of the search."""

    load: int  # Locust users asked for: visitors (closed) or arrival streams (open)
    offered: float  # the load in its own unit: concurrent visitors, or sessions started per second
    requests: int  # requests completed in the window, successes and failures
    throughput_rps: float  # successful responses per second
    p50_ms: float | None
    p95_ms: float | None
    errors: Mapping[str, int] = field(default_factory=dict)  # by classify.failure_kind
    # What the generator managed, for the guard (guard.py).
    achieved_ratio: float = 1.0  # users running / asked (closed), sessions started / scheduled (open)
    generator_cpu: float = 0.0  # busiest generator process, fraction of one core
    loop_lag_ms: float = 0.0  # mean gevent loop lag of the laggiest generator process

    def count(self, kinds: tuple[str, ...]) -> int:
        return sum(self.errors.get(kind, 0) for kind in kinds)


@dataclass(frozen=True)
class Verdict:
    """``good``, ``bad`` with the kind of failure, or ``inconclusive``; ``reason`` says why in one line."""

    status: str  # good, bad, inconclusive
    kind: str | None = None  # one of FAILURE_KINDS, or GENERATOR_LIMITED
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "bad"

    @property
    def inconclusive(self) -> bool:
        return self.status == "inconclusive"


GOOD = Verdict("good")


@dataclass(frozen=True)
class Criteria:
    """Thresholds of a failing step; None switches a criterion off."""

    # Sustained connection failures: at least this many AND at least this share of requests,
    # so neither one unlucky reset in a quiet window nor a handful in a busy one counts.
    min_connection_failures: int | None = 5
    max_connection_failure_rate: float | None = 0.05
    max_5xx_rate: float | None = None
    max_p95_ms: float | None = None
    # Throughput must rise by at least this share of the offered load's rise over the nearest
    # lower good step; below it, more load no longer buys more throughput.
    min_throughput_gain: float | None = None

    def judge(self, step: StepMeasure, lower_good: StepMeasure | None = None) -> Verdict:
        """The verdict on ``step``; ``lower_good`` is the measure of the nearest lower step that held."""
        if step.requests == 0:  # every request outlasted the window: the site stalls
            return Verdict("bad", "timeouts", "no request completed in the window")
        for kind, counted in CONNECTION_KINDS.items():
            verdict = self._connection_failures(step, kind, step.count(counted))
            if verdict:
                return verdict
        requests = max(step.requests, 1)
        failed_5xx = step.count(("http_5xx",))
        if self.max_5xx_rate is not None and failed_5xx / requests > self.max_5xx_rate:
            return Verdict(
                "bad", "http_5xx", f"{failed_5xx} HTTP 5xx ({failed_5xx / requests:.1%} of requests)"
            )
        if self.max_p95_ms is not None and step.p95_ms is not None and step.p95_ms > self.max_p95_ms:
            return Verdict("bad", "latency", f"p95 {step.p95_ms:.0f} ms > {self.max_p95_ms:.0f} ms")
        if self.min_throughput_gain is not None and lower_good is not None:
            return self._plateau(step, lower_good)
        return GOOD

    def _connection_failures(self, step: StepMeasure, kind: str, failures: int) -> Verdict | None:
        if self.min_connection_failures is None and self.max_connection_failure_rate is None:
            return None
        rate = failures / max(step.requests, 1)
        if failures >= (self.min_connection_failures or 1) and rate > (
            self.max_connection_failure_rate or 0.0
        ):
            return Verdict("bad", kind, f"{failures} {kind} ({rate:.1%} of requests) in the window")
        return None

    def _plateau(self, step: StepMeasure, lower: StepMeasure) -> Verdict:
        offered_gain = step.offered / lower.offered - 1 if lower.offered else 0.0
        if offered_gain <= 0 or lower.throughput_rps <= 0:
            return GOOD
        throughput_gain = step.throughput_rps / lower.throughput_rps - 1
        if throughput_gain < self.min_throughput_gain * offered_gain:
            return Verdict(
                "bad",
                "throughput_plateau",
                f"throughput {lower.throughput_rps:.1f} -> {step.throughput_rps:.1f} req/s "
                f"({throughput_gain:+.0%}) while offered load rose {offered_gain:+.0%}",
            )
        return GOOD
