"""`flashcrowd plan`'s engine, in the CLI process (and the demo's forecast line): a scenario's figures,
implied units, simulated run and the bundled target's queueing forecast, retries counted."""

from __future__ import annotations

from flashcrowd.planning.plan import Plan, make_plan
from flashcrowd.planning.png_chart import write_png
from flashcrowd.planning.render import as_json, as_text

__all__ = ["Plan", "as_json", "as_text", "make_plan", "write_png"]
