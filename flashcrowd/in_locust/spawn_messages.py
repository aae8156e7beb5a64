"""A worker reads each spawn message without rebuilding Locust's argument parser for every option.

Locust's ``WorkerRunner`` keeps the master's custom options by testing each option of a spawn
message against ``argument_parser.default_args_dict()``, which builds and parses Locust's whole
argument parser (1 ms here) on every call: ~90 options, about once a second, a quarter of a
worker's CPU while election night at full scale ramps up (py-spy). Locust's defaults do not
change during a run, so they are parsed once.
"""

from __future__ import annotations

import functools
from typing import Any

from locust import argument_parser


def parse_defaults_once() -> None:
    """Make ``locust.argument_parser.default_args_dict`` parse once and hand out copies."""
    if getattr(argument_parser.default_args_dict, "parsed_once", False):
        return
    parsed = functools.cache(argument_parser.default_args_dict)

    def default_args_dict() -> dict[str, Any]:
        return dict(parsed())  # a copy: a caller may change what it gets

    default_args_dict.parsed_once = True  # type: ignore[attr-defined]
    argument_parser.default_args_dict = default_args_dict
