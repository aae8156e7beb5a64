"""find-break's input checks (one line, exit 2, before anything starts) and its result document and chart."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import escape
from recorder_helpers import feed, scenario, started_recorder
from search_helpers import plan

from flashcrowd.breakpoint.answer import SearchAnswer, read_answer, write_answer
from flashcrowd.breakpoint.criteria import GOOD, StepMeasure, Verdict
from flashcrowd.breakpoint.prediction import Prediction
from flashcrowd.breakpoint.result import build_answer, summary_lines, write_answer_files
from flashcrowd.breakpoint.search import BreakSearch
from flashcrowd.breakpoint.units import LoadUnits
from flashcrowd.results.break_types import FirstFailure
from flashcrowd.results.record import read_record
from flashcrowd.results.record_upgrade import LOADS


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--resolution", "150%"], "--resolution"),
        (["--budget", "soon"], "--budget"),
        (["--model", "sideways"], "--model"),
        (["--scenario", "/nonexistent/probe.yaml"], "/nonexistent/probe.yaml"),
        (["--profile", "no-such-profile"], "no-such-profile"),
        (["--workers", "0"], "--workers"),
        (["--window", "0.5s"], "--window"),
        (["--host", "http://example.com"], "example.com"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_anything_starts(args, named, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flashcrowd", "find-break", *args, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().count("\n") == 0 and named in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "find-break.json").exists()


def step(load: int, p95_ms: float, throughput_rps: float, resets: int = 0) -> StepMeasure:
    """A 5 s window of an open-model step in which each session/s sent 2 requests a second."""
    offered = load * 0.5
    return StepMeasure(
        load=load,
        offered=offered,
        requests=round(throughput_rps * 5) + resets,
        throughput_rps=throughput_rps,
        p50_ms=p95_ms / 3,
        p95_ms=p95_ms,
        errors={"connection_reset": resets},
        sent=int(offered * 2 * 5),
        seconds=5,
    )


def test_result_names_saturation_first_failure_and_resets_with_real_world_figures(tmp_path):
    search = BreakSearch(plan(start=10))
    bad = Verdict("bad", "resets", "40 resets (10.0% of requests) in the window", resets=True)
    measured = [
        (step(10, 20.0, 10.0), GOOD),
        (step(20, 30.0, 20.0), GOOD),
        (step(40, 90.0, 25.0, resets=40), bad),
        (step(30, 60.0, 24.0), GOOD),
    ]
    for measure, verdict in measured:
        search.next_load(0.0)
        search.record(measure.load, verdict)
    units = LoadUnits("open", per_user=0.5, scale=0.05, session_duration_s=50.0)
    result = build_answer(search, measured, units, None, {"model": "open"})
    assert (result.last_good.load, result.first_bad.load) == (15.0, 20.0)
    assert result.first_failure.kind == "resets" and result.first_failure.held.load == 15.0
    assert result.first_resets.load == 20.0 and "40 resets" in result.first_resets.evidence
    # 2 requests a second per session/s when the site kept up; it levelled at 24.5 req/s: 12.25 sessions/s
    assert result.saturation.load == pytest.approx(12.25)  # the flat top: 25 and 24 req/s
    assert result.knee.load == 15.0  # the first load whose p95 is at least twice the lowest load's
    assert result.first_failure.real_world == {
        "sessions_per_hour": 20.0 / 0.05 * 3600,
        "concurrent_users": 20000.0,
    }
    path = write_answer_files(result, tmp_path)
    document = json.loads(path.read_text())
    assert document["steps"][2]["kind"] == "resets" and document["first_failure"]["held"]["load"] == 15.0
    assert read_answer(path) == result  # the CLI reads back, typed, what the search wrote
    assert (tmp_path / "find-break.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "capacity.png").read_bytes()[:4] == b"\x89PNG"
    lines = "\n".join(summary_lines(result, path))
    assert "saturates  near 12.25 sessions/s" in lines
    assert "fails at   20 sessions/s" in lines and "resets: 40 resets" in lines
    assert "resets at  20 sessions/s" in lines


def test_a_site_that_never_resets_says_how_far_up_the_search_looked(tmp_path):
    search = BreakSearch(plan(start=10))
    slow = Verdict("bad", "latency", "p95 900 ms > 250 ms")
    measured = [(step(10, 20.0, 10.0), GOOD), (step(20, 900.0, 12.0), slow), (step(40, 2000.0, 12.0), slow)]
    for measure, verdict in measured:
        search.record(measure.load, verdict)
    units = LoadUnits("closed", per_user=1.0, scale=0.05, session_duration_s=50.0)
    result = build_answer(search, measured, units, None, {})
    assert result.first_resets is None and result.resets_looked_up_to.load == 40
    lines = "\n".join(summary_lines(result, tmp_path / "r.json"))
    assert "resets     none up to 40 concurrent visitors" in lines


def closed_step(
    visitors: int, service_s: float = 0.05, think_s: float = 1.0, workers: int = 4
) -> StepMeasure:
    """A 5 s window of a closed population against c workers of S each, by the asymptotic bounds."""
    rate = min(visitors / (service_s + think_s), workers / service_s)
    response_s = visitors / rate - think_s
    return StepMeasure(
        load=visitors, offered=float(visitors), requests=round(rate * 5), throughput_rps=rate,
        p50_ms=response_s * 1000, p95_ms=response_s * 3000, mean_ms=response_s * 1000,
        sent=round(rate * 5), seconds=5,
    )  # fmt: skip


def test_closed_model_saturation_is_n_star_from_littles_law_over_the_steps_that_held():
    slow = Verdict("bad", "latency", "slow")
    measured = [(closed_step(n), GOOD) for n in (20, 40, 80, 90)] + [
        (closed_step(n), slow) for n in (100, 160)
    ]
    search = BreakSearch(plan(start=20))
    for measure, verdict in measured:
        search.record(measure.load, verdict)
    units = LoadUnits("closed", per_user=1.0, scale=0.05, session_duration_s=50.0)
    saturation = build_answer(search, measured, units, None, {}).saturation
    assert saturation.load == pytest.approx(4 * (0.05 + 1.0) / 0.05, rel=0.01)  # N* = c(S+Z)/S = 84


def test_the_prediction_is_told_with_and_without_the_scenarios_retries(tmp_path):
    search = BreakSearch(plan(start=10))
    measured = [(step(10, 20.0, 10.0), GOOD)]
    search.record(10, GOOD)
    units = LoadUnits("closed", per_user=1.0, scale=0.05, session_duration_s=50.0)
    prediction = Prediction(71.0, 171.0, "N* + K = 71 + 100", 97.0, 151.0, "closed M/M/c/K/N, c = 4")
    result = build_answer(search, measured, units, prediction, {})
    lines = summary_lines(result, tmp_path / "r.json")
    assert "  predicted  resets 171 concurrent visitors: N* + K = 71 + 100" in lines
    assert "             with retries 151 concurrent visitors: closed M/M/c/K/N, c = 4" in lines


FORMAT = Path(__file__).with_name("find-break-format.json")  # written by a real search before answer.py


def test_find_break_json_of_format_1_reads_and_todays_keeps_its_format_through_the_typed_answer(tmp_path):
    answer = read_answer(FORMAT)
    assert isinstance(answer, SearchAnswer) and answer.first_resets.held.load == 327
    assert answer.steps[-1].verdict.status in ("good", "bad") and answer.prediction.break_ == 410
    saturation = answer.saturation  # format 1 named its rate max_throughput_rps
    assert (saturation.max_served_rps, saturation.users, saturation.at) == (403.4, 407, None)
    old, new = json.loads(FORMAT.read_text()), answer.to_json()
    del old["saturation"], new["saturation"], new["format"]
    # Every point gained ``at`` (a search's has none), first_bad ``held``.
    assert _without_new_nulls(new) == old
    write_answer(answer, tmp_path / "find-break.json")
    assert read_answer(tmp_path / "find-break.json") == answer
    assert json.dumps(answer.to_json(), indent=2) + "\n" == (tmp_path / "find-break.json").read_text()


def _without_new_nulls(value: object) -> object:
    """``value`` without the ``at`` and ``held`` keys that are null, at any depth."""
    if isinstance(value, dict):
        return {k: _without_new_nulls(v) for k, v in value.items() if not (k in ("at", "held") and v is None)}
    return [_without_new_nulls(v) for v in value] if isinstance(value, list) else value


def test_a_half_written_answer_reads_as_none(tmp_path):
    path = tmp_path / "find-break.json"
    path.write_text(FORMAT.read_text()[:500])
    assert read_answer(path) is None
    assert read_answer(tmp_path / "absent.json") is None


def test_find_break_json_and_summary_json_in_one_folder_give_one_answer(tmp_path):
    # The search's answer is the run record's find_break: summary.json holds it, find-break.json is
    # written from it, summary.json's break and knee are its three loads and knee (not the timeline's,
    # which a step-shaped timeline would put elsewhere), and report.html's header says what the CLI prints.
    search = BreakSearch(plan(start=10))
    bad = Verdict("bad", "resets", "40 resets (10.0% of requests) in the window", resets=True)
    measured = [(step(10, 20.0, 10.0), GOOD), (step(20, 30.0, 20.0), GOOD), (step(40, 90.0, 25.0, 40), bad)]
    for measure, verdict in measured:
        search.record(measure.load, verdict)
    units = LoadUnits("open", per_user=0.5, scale=0.05, session_duration_s=50.0)
    answer = build_answer(search, measured, units, None, {"model": "open"})
    recorder = started_recorder(scenario([(0, 1)], 60.0, []), tmp_path)
    recorder.search_answer = lambda: answer
    for second in range(8):  # light, then a slow second: a timeline analysis would find a knee
        feed(recorder, second, [5.0] * 20 if second < 5 else [400.0] * 20)
    recorder.finish()

    record = read_record(tmp_path / "summary.json")
    written = read_answer(tmp_path / "find-break.json")
    assert record.find_break == written == answer
    # summary.json's break and knee are find-break.json's, in the same types and the same JSON.
    assert record.break_answer == written.loads() and record.knee == written.knee
    assert all(getattr(record.break_answer, name) for name in LOADS)  # nothing compared as None == None
    assert isinstance(record.break_answer.first_failure, FirstFailure) and record.knee.at is None  # a step's
    summary, search = (
        json.loads((tmp_path / name).read_text()) for name in ("summary.json", "find-break.json")
    )
    assert summary["break"] == {name: search[name] for name in LOADS} and summary["knee"] == search["knee"]
    html = (tmp_path / "report.html").read_text()
    header = html[html.index('<div id="answer">') : html.index("</div>", html.index('<div id="answer">'))]
    cli = summary_lines(read_answer(tmp_path / "find-break.json"), tmp_path / "find-break.json")
    assert [escape(line.strip()) for line in cli[:-1]] == re.findall(r'<p class="answer">(.*?)</p>', header)
    assert "saturates  near 12.5 sessions/s" in cli[1]
