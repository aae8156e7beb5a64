"""Write a finished run's files: summary.json first (the others read it), then the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flashcrowd.report.html import write_html
from flashcrowd.report.junit import write_junit
from flashcrowd.report.pages import write_pages_csv
from flashcrowd.report.summary import build_summary, write_summary

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder


def write_outputs(recorder: Recorder) -> dict[str, object]:
    """Write summary.json, junit.xml, pages.csv and report.html into the out dir; return the summary."""
    recorder.out_dir.mkdir(parents=True, exist_ok=True)
    summary = build_summary(recorder)
    write_summary(summary, recorder.out_dir / "summary.json")
    write_junit(summary, recorder.out_dir / "junit.xml")
    write_pages_csv(summary["pages"], recorder.out_dir / "pages.csv")
    write_html(summary, recorder.rows, recorder.out_dir / "report.html")
    return summary
