"""A scenario file read as YAML, each value's line kept so any error can point at it (the shared reader)."""

from __future__ import annotations

from flashcrowd_common.yaml_source import PathKey, YamlSource

__all__ = ["PathKey", "ScenarioSource"]


class ScenarioSource(YamlSource):
    """The parsed data of one scenario file; an error about the whole file names ``scenario``."""

    DOCUMENT = "scenario"
