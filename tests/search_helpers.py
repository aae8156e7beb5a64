"""find-break's search plan, criteria and guard at the option table's defaults, for tests without load."""

from __future__ import annotations

from flashcrowd.breakpoint.criteria import Criteria
from flashcrowd.breakpoint.guard import GeneratorGuard
from flashcrowd.breakpoint.search import SearchPlan
from flashcrowd.options import default


def plan(**overrides) -> SearchPlan:
    """A plan with the option table's defaults, 10 s steps and a roomy budget unless overridden."""
    values = {
        "start": 10,
        "resolution": default("--resolution"),
        "budget_s": 10_000,
        "step_s": 10.0,
        "ceiling": 100_000,
        "reset_search": default("--reset-search"),
        "max_drain_s": default("--drain-timeout"),
    }
    return SearchPlan(**{**values, **overrides})


def criteria(**overrides) -> Criteria:
    """The option table's criteria (the latency limit from the scenario is off), unless overridden."""
    names = ("min_failures", "max_failure_rate", "min_served", "max_latency_factor", "min_throughput_gain")
    values = {name: default(f"--{name.replace('_', '-')}") for name in names}
    return Criteria(**{**values, "max_p95_ms": None, **overrides})


def guard() -> GeneratorGuard:
    return GeneratorGuard(max_cpu=default("--max-generator-cpu"))
