"""Scenario files written by flashcrowd itself (from a log, a browser recording, a flash-crowd model).

``write_scenario`` writes the data as YAML and reads the file back through
``load_scenario``, so the caller gets a file that is known to load, or one
ConfigError naming the line that does not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flashcrowd.scenario.loader import load_scenario
from flashcrowd.scenario.model import Scenario
from flashcrowd_common.errors import ConfigError, UsageError

PEAK_SIM_USERS = (
    1000  # a written scenario's default scale keeps its run's peak near this many simulated users
)
HEADER = "# yaml-language-server: $schema={schema}\n# Written by `{command}`.\n"


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors for repeated values, flow style only for short leaves."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def as_yaml(data: dict[str, Any], command: str, schema: str) -> str:
    """The scenario as YAML text, headed by the schema comment editors read and the command that wrote it."""
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return HEADER.format(schema=schema, command=command) + body


def write_scenario(data: dict[str, Any], output: Path, command: str) -> Scenario:
    """Write ``data`` to ``output`` and load it back; UsageError if the file cannot be written. A file that
    does not load is removed before its ConfigError goes up: no command leaves one behind."""
    schema = Path(__file__).with_name("schema.json")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(as_yaml(data, command, str(schema)), encoding="utf-8")
    except OSError as error:
        raise UsageError(
            f"--output {output}: cannot write it ({error.strerror}); expected a writable path"
        ) from None
    try:
        return load_scenario(output)
    except ConfigError:
        output.unlink(missing_ok=True)
        raise


def single_origin_mix(shares: dict[str, float], at: str) -> list[dict[str, Any]]:
    """One origins keyframe with ``shares`` rounded to 4 places and still summing to 1."""
    rounded = {name: round(share, 4) for name, share in shares.items()}
    largest = max(rounded, key=lambda name: rounded[name])
    rounded[largest] = round(rounded[largest] + 1 - sum(rounded.values()), 4)
    return [{"at": at, "shares": rounded}]


def default_scale(peak_real_users: float) -> float:
    """Simulated users per real one that puts the peak near PEAK_SIM_USERS (at most 1), to 2 digits."""
    if peak_real_users <= PEAK_SIM_USERS:
        return 1.0
    return float(f"{PEAK_SIM_USERS / peak_real_users:.2g}")


def compress_for(real_span_s: float, wall_s: float) -> float:
    """The clock's compress that plays ``real_span_s`` of the curve in ``wall_s`` (3 digits)."""
    return float(f"{real_span_s / wall_s:.3g}")
