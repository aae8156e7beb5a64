"""Run records for tests that need one without a run: read from the summary.json fixtures."""

from __future__ import annotations

from pathlib import Path

from flashcrowd.results.record import RunRecord, read_record

HERE = Path(__file__).resolve().parent
# summary.json as written before the typed record: a 45 s demo that broke, and ci-smoke passing.
BROKEN = HERE / "summary-format.json"
PASSED = HERE / "summary-format-passed.json"


def broken_record() -> RunRecord:
    """The 45 s demo's record: saturation, first failure, resets, SLOs breached, the site's view."""
    return read_record(BROKEN)
