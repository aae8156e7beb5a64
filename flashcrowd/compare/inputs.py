"""A run to compare: a results directory or its summary.json, checked for what a comparison reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flashcrowd_common.errors import ConfigError

EXPECTED = "expected a flashcrowd results directory or its summary.json"
REQUIRED_TOTALS = ("requests", "failures", "p95_ms", "duration_s")


def summary_path(given: str | Path) -> Path:
    """The summary.json that ``given`` names (the file, or the one in the directory)."""
    path = Path(given)
    return path / "summary.json" if path.is_dir() else path


def load_summary(given: str | Path) -> dict[str, Any]:
    """The summary as a dict; ConfigError (one line: file, key, what was expected) if it cannot be one."""
    path = summary_path(given)
    if not path.exists():
        where = "no summary.json in it" if Path(given).is_dir() else "no such file or directory"
        raise ConfigError(given, None, "summary.json", f"{where}; {EXPECTED}")
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, None, "summary.json", f"cannot be read ({error}); {EXPECTED}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(path, error.lineno, "summary.json", f"not JSON ({error.msg}); {EXPECTED}") from None
    totals = summary.get("totals") if isinstance(summary, dict) else None
    if not isinstance(totals, dict):
        raise ConfigError(path, None, "totals", f"missing; {EXPECTED}")
    for key in REQUIRED_TOTALS:
        value = totals.get(key, "missing")
        if value is not None and not isinstance(value, int | float):
            raise ConfigError(path, None, f"totals.{key}", f"expected a number, found {value!r}")
    return summary
