"""The generator guard: tell a site that broke from a load generator that could not deliver the load.

Every generator process (the local runner, or each worker) keeps cumulative
counters (probe.py): CPU seconds, gevent loop lag, open-model arrivals scheduled
and started. The process that runs the search compares two snapshots around a
measuring window (:func:`window`). A step is
"inconclusive: load generator limited" when the busiest process was near a full
core, its loop lagged, arrivals fell behind their schedule, users were missing,
or the client ran out of ports or file descriptors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flashcrowd.breakpoint.criteria import GENERATOR_LIMITED, StepMeasure, Verdict


@dataclass(frozen=True)
class GeneratorSample:
    """Cumulative counters of one generator process at one moment (``at``: its own wall clock)."""

    at: float
    cpu_s: float = 0.0
    lag_s: float = 0.0
    lag_probes: int = 0
    arrivals_due: int = 0  # open model: sessions whose scheduled start has passed
    arrivals_started: int = 0  # open model: sessions actually started


@dataclass(frozen=True)
class GeneratorWindow:
    """How hard the generator worked between two snapshots."""

    cpu: float = 0.0  # busiest process, fraction of one core (gevent runs on one)
    loop_lag_ms: float = 0.0  # mean lag of the laggiest process
    arrivals_due: int = 0
    arrivals_started: int = 0

    @property
    def arrivals_ratio(self) -> float:
        return self.arrivals_started / self.arrivals_due if self.arrivals_due else 1.0


def window(before: Mapping[str, GeneratorSample], after: Mapping[str, GeneratorSample]) -> GeneratorWindow:
    """What the generator processes did between two snapshots (processes in both only)."""
    total = GeneratorWindow()
    for name, end in after.items():
        start = before.get(name)
        if start is None or end.at <= start.at:
            continue
        probes = end.lag_probes - start.lag_probes
        lag_ms = 1000 * (end.lag_s - start.lag_s) / probes if probes else 0.0
        total = replace(
            total,
            cpu=max(total.cpu, (end.cpu_s - start.cpu_s) / (end.at - start.at)),
            loop_lag_ms=max(total.loop_lag_ms, lag_ms),
            arrivals_due=total.arrivals_due + end.arrivals_due - start.arrivals_due,
            arrivals_started=total.arrivals_started + end.arrivals_started - start.arrivals_started,
        )
    return total


@dataclass(frozen=True)
class GeneratorGuard:
    """Limits past which the generator, not the site, is the bottleneck (``max_cpu``: --max-generator-cpu)."""

    max_cpu: float
    min_achieved: float = 0.95
    max_loop_lag_ms: float = 100.0

    def judge(self, step: StepMeasure) -> Verdict | None:
        """An inconclusive verdict when the generator was limited during ``step``, else None."""
        client_errors = step.errors.get("client_limit", 0)
        if client_errors:
            return _limited(f"{client_errors} client-side errors (no free ports, too many open files)")
        if step.achieved_ratio < self.min_achieved:
            return _limited(f"achieved {step.achieved_ratio:.0%} of the offered load")
        if step.generator_cpu > self.max_cpu:
            return _limited(f"generator CPU at {step.generator_cpu:.0%} of a core")
        if step.loop_lag_ms > self.max_loop_lag_ms:
            return _limited(f"generator event loop lagging {step.loop_lag_ms:.0f} ms")
        return None


def _limited(reason: str) -> Verdict:
    return Verdict("inconclusive", GENERATOR_LIMITED, f"load generator limited: {reason}")
