"""`flashcrowd plan`'s engine: a scenario's figures, implied units, simulated run and target forecast."""

from __future__ import annotations

from flashcrowd.planning.plan import Plan, make_plan
from flashcrowd.planning.png_chart import write_png
from flashcrowd.planning.render import as_json, as_text

__all__ = ["Plan", "as_json", "as_text", "make_plan", "write_png"]
