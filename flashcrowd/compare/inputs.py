"""A run to compare: the record in a results directory's summary.json, or in the file named."""

from __future__ import annotations

import json
from pathlib import Path

from flashcrowd.results.codec import FormatError
from flashcrowd.results.record import RunRecord, read_record
from flashcrowd_common.errors import ConfigError

EXPECTED = "expected a flashcrowd results directory or its summary.json"


def summary_path(given: str | Path) -> Path:
    """The summary.json that ``given`` names (the file, or the one in the directory)."""
    path = Path(given)
    return path / "summary.json" if path.is_dir() else path


def load_record(given: str | Path) -> RunRecord:
    """The run's record; ConfigError (one line: file, key, what was expected) if it cannot be one."""
    path = summary_path(given)
    if not path.exists():
        where = "no summary.json in it" if Path(given).is_dir() else "no such file or directory"
        raise ConfigError(given, None, "summary.json", f"{where}; {EXPECTED}")
    try:
        return read_record(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, None, "summary.json", f"cannot be read ({error}); {EXPECTED}") from None
    except json.JSONDecodeError as error:
        raise ConfigError(path, error.lineno, "summary.json", f"not JSON ({error.msg}); {EXPECTED}") from None
    except FormatError as error:
        raise ConfigError(path, None, error.key, f"{error.expected}; {EXPECTED}") from None
