"""The units a load curve can be written in, one module each; adding a unit touches only this registry."""

from __future__ import annotations

from flashcrowd.scenario.units import concurrent_users, sessions_per_day, sessions_per_hour
from flashcrowd.scenario.units.base import CurveUnit, Implied

UNITS: dict[str, CurveUnit] = {
    module.NAME: module  # type: ignore[misc]
    for module in (concurrent_users, sessions_per_hour, sessions_per_day)
}

__all__ = ["UNITS", "CurveUnit", "Implied"]
