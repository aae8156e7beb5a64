"""Where a site broke, in one shape for a run and for find-break: summary.json's ``break`` and ``knee``,
and find-break.json's ``saturation``, ``first_failure``, ``first_resets`` and ``knee`` (docs/reports.md).

A point is a load in the answer's unit (simulated concurrent visitors for a run and a closed search,
sessions started a second for an open one), the Locust users that offered it, its real-world
equivalents (``concurrent_users`` always; ``sessions_per_hour`` in the open model) and, where a
run's timeline places it, the moment on both clocks. results/analysis.py finds them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class When:
    """A moment of the run on both clocks: seconds into it, and where the scenario's curve stood."""

    wall_s: float
    real_time: str  # ISO 8601 with offset


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadPoint:
    """A load: in the answer's unit, in Locust users, in real-world equivalents, and when (a run's)."""

    load: float
    users: int  # Locust users: simulated visitors, or the open model's arrival streams
    real_world: Mapping[str, float]  # concurrent_users; sessions_per_hour in the open model
    at: When | None = None  # on a run's timeline; None for a search's step

    @property
    def real_users(self) -> float:
        """The real-world concurrent users this load stands for."""
        return self.real_world["concurrent_users"]

    def place(self) -> dict[str, Any]:
        """This point's own fields, to build a finding at it: ``Saturation(**point.place(), ...)``."""
        return {spec.name: getattr(self, spec.name) for spec in fields(LoadPoint)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Saturation(LoadPoint):
    """Where the served rate stopped following the load."""

    max_served_rps: float  # the most successful responses a second
    light_rps_per_unit: float  # successful responses a second per unit of load while the site kept up
    evidence: str
    # How far one run's reading of ``load`` can stray, in its unit: the standard error of the rate the site
    # levelled at, over light load's rate (None in records written before it was kept).
    standard_error: float | None = None

    @property
    def relative_error(self) -> float | None:
        """``standard_error`` as a share of ``load``: 0.12 for a reading that can stray by 12 %."""
        return None if self.standard_error is None or self.load <= 0 else self.standard_error / self.load


@dataclass(frozen=True, slots=True, kw_only=True)
class FirstFailure(LoadPoint):
    """Where the site first failed, the kind that failed most (analysis.FAILED_REQUESTS, or a search
    criterion's kind) and why; for a search, the highest load it held below that."""

    kind: str
    reason: str
    held: LoadPoint | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FirstResets(LoadPoint):
    """Where connection resets began, with the evidence; for a search, the highest load without them."""

    evidence: str
    held: LoadPoint | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakAnswer:
    """The three loads an SRE asks for; each None when the site never got there."""

    saturation: Saturation | None
    first_failure: FirstFailure | None
    first_resets: FirstResets | None
