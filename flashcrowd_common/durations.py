"""Durations as people write them: ``20s``, ``5min``, ``500ms``, ``1.5h``, ``2d``, read as seconds."""

from __future__ import annotations

import re

DURATION_UNITS = {"ms": 0.001, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
DURATION_PATTERN = r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)\s*$"
DURATION_EXPECTED = "a duration with its unit, e.g. 20s, 5min, 1.5h, 2d"

_DURATION = re.compile(DURATION_PATTERN)


def parse_duration(text: str) -> float:
    """Seconds in ``text`` (``20s``, ``5min``); ValueError naming the expected form otherwise."""
    match = _DURATION.match(str(text))
    if not match:
        raise ValueError(DURATION_EXPECTED)
    return float(match.group(1)) * DURATION_UNITS[match.group(2)]
