"""Write a finished run's files from its record: summary.json, junit.xml, pages.csv and report.html, and
for find-break find-break.json (the record's ``find_break``) with its charts."""

from __future__ import annotations

from pathlib import Path

from flashcrowd.breakpoint.result import write_answer_files
from flashcrowd.report.html import write_html
from flashcrowd.report.junit import write_junit
from flashcrowd.report.pages import write_pages_csv
from flashcrowd.results.record import RunRecord, write_record


def write_outputs(record: RunRecord, out_dir: Path) -> None:
    """Every file of a finished run into ``out_dir`` (timeline.csv is there already: the recorder
    appends to it as the run goes)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_record(record, out_dir / "summary.json")
    write_junit(record, out_dir / "junit.xml")
    write_pages_csv(record.pages, out_dir / "pages.csv")
    write_html(record, out_dir / "report.html")
    if record.find_break is not None:
        write_answer_files(record.find_break, out_dir)
