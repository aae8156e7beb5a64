"""Write a finished run's files: summary.json first (others read it), then junit.xml and report.html."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flashcrowd.report.html import write_html
from flashcrowd.report.junit import write_junit
from flashcrowd.report.summary import build_summary, write_summary

if TYPE_CHECKING:
    from flashcrowd.recorder import Recorder


def write_outputs(recorder: Recorder) -> dict[str, object]:
    """Write summary.json, junit.xml and report.html into the recorder's out dir; return the summary."""
    recorder.out_dir.mkdir(parents=True, exist_ok=True)
    summary = build_summary(recorder)
    write_summary(summary, recorder.out_dir / "summary.json")
    write_junit(summary, recorder.out_dir / "junit.xml")
    write_html(summary, recorder.rows, recorder.out_dir / "report.html")
    return summary
