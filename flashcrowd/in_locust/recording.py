"""Record this Locust process's run and, once it has finished, write every file from its record."""

from __future__ import annotations

from pathlib import Path

from locust.env import Environment

from flashcrowd.results.build import build_record
from flashcrowd.results.recorder import PROGRESS_EVERY_S, Recorder
from flashcrowd.scenario.model import Scenario


def attach(
    environment: Environment,
    scenario: Scenario,
    out_dir: Path,
    *,
    stop_on_breach: bool = False,
    progress_every_s: float = PROGRESS_EVERY_S,
    sample: bool = True,
) -> Recorder:
    """Start recording into ``out_dir`` (call it on ``events.init``): timeline.csv as the run goes, then
    summary.json, junit.xml, pages.csv and report.html when it finishes."""
    return Recorder(
        environment,
        scenario,
        out_dir,
        stop_on_breach=stop_on_breach,
        progress_every_s=progress_every_s,
        on_finish=write_files,
        sample=sample,
    )


def write_files(recorder: Recorder) -> None:
    """The finished run's record, written into the recorder's out dir."""
    from flashcrowd.report.outputs import write_outputs  # matplotlib is heavy: load it only at the end

    write_outputs(build_record(recorder), recorder.out_dir)
