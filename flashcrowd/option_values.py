"""What a run's options name, read the same way in the CLI's process and again in every Locust process:
the scenario (with the options' overrides) and the results folder."""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.model import Scenario
from flashcrowd.scenario.quantities import parse_duration
from flashcrowd_common.errors import UsageError


def load_from_options(options: argparse.Namespace) -> Scenario:
    """The scenario the options name, with their overrides applied; UsageError/ConfigError otherwise."""
    if not getattr(options, "scenario", ""):
        raise UsageError(
            "--scenario: expected a scenario file or name, e.g. --scenario scenarios/ci-smoke.yaml"
        )
    duration_s = None
    if options.duration:
        try:
            duration_s = parse_duration(options.duration)
        except ValueError as error:
            raise UsageError(f"--duration {options.duration!r}: expected {error}") from None
    path = resolve_scenario(options.scenario)
    scenario = load_scenario(
        path,
        scale=options.scale,
        compress=options.compress,
        duration_s=duration_s,
        begin=options.begin,
        end=options.end,
    )
    if options.seed is not None:
        scenario = dataclasses.replace(scenario, seed=options.seed)
    return scenario


def out_dir(options: argparse.Namespace, name: str) -> Path:
    """--out, or ``flashcrowd-results/<name>-<timestamp>/`` in the working directory."""
    if getattr(options, "out", ""):
        return Path(options.out)
    return Path("flashcrowd-results") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
