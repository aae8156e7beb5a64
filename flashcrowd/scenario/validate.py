"""The scenario format's JSON Schema (``schema.json``) and the check of a scenario file against it."""

from __future__ import annotations

from typing import Any

from flashcrowd.scenario.source import ScenarioSource
from flashcrowd_common import schema_check

FORMAT_VERSION = 2  # version 1 files are read unchanged; 2 added load.flash
_SCHEMA = ("flashcrowd.scenario", "schema.json")


def scenario_schema() -> dict[str, Any]:
    """The scenario format's JSON Schema (draft 2020-12), as a dict."""
    return schema_check.packaged_schema(*_SCHEMA)


def check_against_schema(source: ScenarioSource) -> None:
    """Raise ConfigError (file, line, key, expected) for the schema problem written first, if any."""
    schema_check.check_against_schema(source, *_SCHEMA)
