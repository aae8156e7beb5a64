"""The report of a run that broke: resets and knee where they happened, charts that render, JUnit for CI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import gevent
import matplotlib.image
import pytest
from record_helpers import broken_record
from recorder_helpers import run_in_process, scenario, scripted_user

from flashcrowd.bundled_paths import SCENARIOS_DIR
from flashcrowd.report.html import render_html
from flashcrowd.results.figures import figure_rows
from flashcrowd.results.record import Gap, read_record
from flashcrowd.results.timeline import TimelineRow
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.model import SLO

SLOW_FROM_S = 4.0  # the scripted site slows down here...
RESETS_FROM_S = 5.5  # ...and starts resetting connections here
RUN_S = 8.0
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def breaking_site(t, rng):
    """5 ms answers, 200 ms after SLOW_FROM_S, and a third of connections reset after RESETS_FROM_S."""
    latency_ms = rng.uniform(4, 6) if t < SLOW_FROM_S else rng.uniform(190, 210)
    reset = t >= RESETS_FROM_S and rng.random() < 0.3
    return latency_ms, ConnectionResetError(104, "Connection reset by peer") if reset else None


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    """An 8 s Locust run in real time (tests using it are marked load): slows at 4 s, resets from 5.5 s."""
    out = tmp_path_factory.mktemp("broken-run")
    slos = [SLO("no connection resets", "resets", "<=", 0, 2), SLO("p95 under 1 s", "p95_ms", "<=", 1000, 2)]
    curve = scenario([(0, 2000)], RUN_S, slos, scale=0.002)  # 4 simulated users stand for 2,000 real ones

    def lose_a_worker(environment, recorder):
        gevent.sleep(2.5)
        recorder.mark_gap(1.0, 2.0, "worker w1 went missing")  # the report must show it, whatever its cause

    run_in_process(curve, out, scripted_user(breaking_site, pause_s=0.02), during=lose_a_worker)
    return out


@pytest.mark.load
def test_resets_begin_in_the_report_when_the_targets_own_counters_say(target_factory, tmp_path):
    from flashcrowd.in_locust.visitor import Visitor

    target = target_factory("ci-small", ["--workers", "1", "--queue", "2"])
    step_s = 3.0  # 2 visitors, then 40: the one-worker site starts resetting at the step
    curve = scenario([(0, 2), (step_s, 2), (step_s, 40)], 7.0, [SLO("no resets", "resets", "<=", 0, 2)])
    target_first_reset: list[float] = []

    def watch_target_counters(environment, recorder):
        while not target_first_reset:
            with urllib.request.urlopen(f"{target.url}/__flashcrowd/metrics.json", timeout=5) as answer:
                counters = json.load(answer)
            if counters["resets_queue_full"] + counters["resets_queue_timeout"]:
                target_first_reset.append(time.time() - recorder.started_at)
            gevent.sleep(0.05)

    run_in_process(curve, tmp_path, Visitor, host=target.url, during=watch_target_counters)

    first_reset = read_record(tmp_path / "summary.json").first_reset
    assert target_first_reset, "the target never reset a connection"
    assert first_reset.wall_s >= step_s - 1.5  # the shape spawns a tick (1 s) ahead of the curve
    # The site counts the reset as it sends it; the watch sees the count within a poll (50 ms) or so.
    assert first_reset.wall_s - 0.2 <= target_first_reset[0] <= first_reset.wall_s + 1.0
    assert first_reset.sim_users > 2
    marker = next(m for m in embedded_data(tmp_path)["markers"] if m["label"] == "first reset")
    assert marker["wall_s"] == first_reset.wall_s


def embedded_data(out: Path) -> dict:
    html = (out / "report.html").read_text()
    found = re.search(r'<script type="application/json" id="flashcrowd-data">(.*?)</script>', html, re.S)
    assert found, "the report embeds its chart data"
    return json.loads(found.group(1))


@pytest.mark.load
def test_the_summary_puts_first_reset_and_knee_where_the_site_broke(broken_run):
    record = read_record(broken_run / "summary.json")
    assert record.first_reset.wall_s == pytest.approx(RESETS_FROM_S, abs=0.4)
    assert record.first_reset.real_time == "2016-11-08T22:00:05-05:00"
    assert record.first_reset.sim_users == 4 and record.first_reset.real_users == 2000
    assert SLOW_FROM_S - 0.5 <= record.knee.at.wall_s <= SLOW_FROM_S + 1.5
    # The SLO breach is kept, but the worker lost mid-run makes the run itself incomplete: exit 4.
    assert any(slo.breached for slo in record.slos)
    assert record.exit_code == 4 and record.verdict == "generator_failure"


@pytest.mark.load
def test_the_errors_chart_shows_resets_beginning_at_the_first_reset(broken_run):
    data = embedded_data(broken_run)
    timeline = data["timeline"]
    resets = next(chart for chart in data["charts"] if chart["id"] == "errors")["series"]["connection_reset"]
    first_row = next(i for i, count in enumerate(resets) if count)
    first_reset_s = data["summary"]["first_reset"]["wall_s"]
    # A row counts the second [previous row's end, its end); both ends are rounded to the millisecond,
    # so a reset a fraction of a millisecond into the second shows the previous row's end.
    assert timeline[first_row - 1]["wall_s"] <= first_reset_s <= timeline[first_row]["wall_s"]
    assert all(count > 0 for count in resets[first_row + 1 : -1])  # and they go on
    assert sum(resets) == data["summary"]["totals"]["failures_by_kind"]["connection_reset"]
    markers = {marker["label"]: marker["wall_s"] for marker in data["markers"]}
    assert markers["first reset"] == first_reset_s and "knee" in markers
    latency = next(chart for chart in data["charts"] if chart["id"] == "latency")["series"]
    assert latency["p95"][1] < 10 < 150 < latency["p95"][-2]
    users = next(chart for chart in data["charts"] if chart["id"] == "users")["series"]
    assert users["target"][2] == 2000 and users["achieved"][2] == 2000  # real-world equivalents
    assert data["gaps"] == [{"start_wall_s": 1.0, "end_wall_s": 2.0, "reason": "worker w1 went missing"}]


@pytest.mark.load
def test_the_report_is_one_file_that_needs_no_network(broken_run):
    html = (broken_run / "report.html").read_text()
    assert html.count("<svg") == 5  # four charts over time and the capacity chart
    assert not re.search(r"<script[^>]+src=|<link |<img |url\((?!#)|@import", html)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    for text in ("no connection resets", "breached", "worker w1 went missing", "locust", "cpus"):
        assert text in html


@pytest.mark.load
def test_junit_names_the_breached_slo(broken_run):
    suite = ET.parse(broken_run / "junit.xml").getroot()
    failed = {case.get("name"): case.find("failure") for case in suite.iter("testcase")}
    assert failed["no connection resets"] is not None
    assert "SLO no connection resets breached" in failed["no connection resets"].get("message")
    assert failed["p95 under 1 s"] is None
    # The resets fail the default error-rate objective too, which a scenario without its own has.
    assert failed["errors under 1 % (default)"] is not None
    assert suite.get("failures") == "2"


@pytest.mark.load
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_the_report_renders_in_headless_chromium(broken_run, tmp_path):
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            "--window-size=1100,2600",
            (broken_run / "report.html").as_uri(),
        ],
        capture_output=True,
        timeout=60,
        check=False,
    )
    pixels = (matplotlib.image.imread(shot)[:, :, :3] * 255).astype(int)
    for colour in ((255, 127, 14), (31, 119, 180)):  # the p95 and rps lines: only the charts draw them
        assert (abs(pixels - colour).sum(axis=2) < 40).sum() > 200


def test_documented_figures_sit_beside_the_scenarios_and_the_runs_equivalents():
    election_night = load_scenario(SCENARIOS_DIR / "election-night-2016-11-08.yaml")
    f1 = next(figure for figure in election_night.figures if figure.id == "F1")  # >200,000 users at 23:00
    at_wall_s = election_night.clock.wall_seconds(f1.measure["at_s"])
    rows = [
        TimelineRow(wall_s, "", 0.0, achieved, 0.0, achieved / election_night.scale, requests=0)
        for wall_s, achieved in ((at_wall_s - 1, 1400), (at_wall_s, 1500), (at_wall_s + 1, 1600))
    ]

    assert at_wall_s == pytest.approx(600.0)  # 23:00 is 4 h = 14,400 s after 19:00; compressed 24x: 600 s

    entry = next(row for row in figure_rows(election_night, rows) if row.id == "F1")
    assert entry.documented == 200_000
    assert entry.scenario_equivalent == pytest.approx(202_000)  # the curve's 23:00 keyframe
    assert entry.run_equivalent == pytest.approx(150_000)  # 1,500 simulated users at scale 0.01
    before_the_moment = figure_rows(election_night, rows[:1])
    assert next(row for row in before_the_moment if row.id == "F1").run_equivalent is None


def test_names_from_the_run_are_escaped_in_the_report():
    hostile = "<script>alert('flashcrowd')</script>"
    record = broken_record()
    record = replace(
        record,
        scenario=replace(record.scenario, name=hostile),
        pages=(replace(record.pages[0], name=hostile), *record.pages[1:]),
        gaps=(Gap(start_wall_s=1.0, end_wall_s=None, reason=hostile),),
    )

    html = render_html(record)

    escaped = "&lt;script&gt;alert(&#39;flashcrowd&#39;)&lt;/script&gt;"
    assert html.count(escaped) == 4  # the title, the heading, the pages table and the gaps table
    assert html.count("</script>") == 1  # the embedded data's own end: "</" inside it is "<\/"
    found = re.search(r'<script type="application/json" id="flashcrowd-data">(.*?)</script>', html, re.S)
    data = json.loads(found.group(1))
    assert data["summary"]["scenario"]["name"] == hostile and data["gaps"][0]["reason"] == hostile
    assert "<p>The run recorded no timeline.</p>" in html  # a record read back from summary.json has none
    assert '<table id="pages">' in html and '<figure id="chart-capacity"><svg' in html
