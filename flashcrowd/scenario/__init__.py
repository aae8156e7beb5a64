"""Scenarios: what traffic to expect, in real-world units, read from a YAML file checked against a schema;
loaded in the CLI process to check and plan, and again in every Locust process to run."""

from __future__ import annotations

from flashcrowd.scenario.loader import load_scenario
from flashcrowd.scenario.model import Scenario

__all__ = ["Scenario", "load_scenario"]
