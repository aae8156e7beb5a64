"""Per-page tallies and sessions sent, as workers ship them and a master merges them; the capacity chart."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from record_helpers import broken_record
from recorder_helpers import deliver, nearest_rank, scenario, started_recorder

from flashcrowd.report.capacity import (
    CapacityPoint,
    LoadMarker,
    capacity_markers,
    capacity_svg,
    write_capacity_png,
)
from flashcrowd.results.break_types import BreakAnswer, FirstResets, Saturation
from flashcrowd.results.page_stats import first_failed_page, page_stats
from flashcrowd.results.pages import PageTallies
from flashcrowd.results.record import FailedPage, Moment
from flashcrowd.results.recorder import PAGES_KEY, SESSIONS_KEY
from flashcrowd.results.sessions_sent import SessionsSent

RESET = ConnectionResetError(104, "Connection reset by peer")


def test_page_tallies_from_two_workers_merge_exactly_and_name_the_first_page_to_fail(tmp_path):
    recorder = started_recorder(scenario([(0, 1)], 10.0), tmp_path)
    start = recorder.started_at
    rng = random.Random(5)
    home = {worker: [rng.lognormvariate(3, 1) for _ in range(2000)] for worker in ("w1", "w2")}
    for worker, failing_at in (("w1", start + 4.0), ("w2", start + 2.5)):
        pages, sessions = PageTallies(), SessionsSent()
        for value in home[worker]:
            pages.add("GET", "home", value, None, False, start + 1)
        pages.add("GET", "home (retry)", 50.0, None, True, start + 2)
        pages.add("POST", "signin", 80.0, RESET, False, failing_at)
        sessions.note({"first_page": True, "origin": "US"}, start + 1)
        sessions.note({"first_page": False, "origin": "US"}, start + 1)  # a later page: not a new session
        deliver(recorder, worker, {PAGES_KEY: pages.drain_wire(), SESSIONS_KEY: sessions.drain_wire()})
        assert not pages.pages and not sessions.seconds  # a worker ships each tally once

    pages = page_stats(recorder, duration_s=10.0)
    rows = {(page.method, page.name): page for page in pages}
    home_row = rows[("GET", "home")]
    assert home_row.requests == 4002 and home_row.retries == 2 and home_row.rps == 400.2
    everything = [*home["w1"], *home["w2"], 50.0, 50.0]
    assert home_row.p95_ms == pytest.approx(nearest_rank(everything, 95.0), rel=0.001)
    signin = rows[("POST", "signin")]
    assert signin.failures_by_kind == {"connection_reset": 2} and signin.error_rate == 1.0
    first = first_failed_page(pages, recorder.rows)
    assert (first.method, first.name, first.kind) == ("POST", "signin", "connection_reset")
    assert first.wall_s == pytest.approx(2.5, abs=0.01)
    assert recorder.sessions_sent.seconds == {int(start + 1): {"US": 2}}


def test_the_capacity_chart_takes_plain_points_and_marker_loads(tmp_path):
    points = [
        CapacityPoint(load, min(load, 100) * 2.0, 20.0 if load < 100 else 20.0 + (load - 100) * 5)
        for load in range(10, 200, 10)
    ]
    markers = [LoadMarker("saturation", 100), LoadMarker("first resets", 150)]
    svg = capacity_svg([*points, CapacityPoint(5, 0.0, None)], markers, load_label="sessions/s")
    assert svg.startswith("<svg") and svg.count("<path") > 10
    png = tmp_path / "capacity.png"
    write_capacity_png(points, markers, png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_capacity_markers_come_from_break_when_present_else_from_the_timeline():
    moment = Moment(
        wall_s=10.0,
        real_time="2016-11-08T22:00:00-05:00",
        sim_users=900,
        real_users=90_000,
        target_sim_users=900.0,
    )
    failed_page = FailedPage(
        name="home",
        method="GET",
        wall_s=5.0,
        real_time=moment.real_time,
        kind="read_timeout",
        users=700,
        real_users=70_000,
    )
    record = replace(  # a summary.json from before the break answer
        broken_record(),
        break_answer=None,
        knee=replace(moment, real_users=60_000).point(),
        first_failed_page=failed_page,
        first_reset=moment,
    )
    assert [(m.label, m.load) for m in capacity_markers(record)] == [
        ("knee", 60_000),
        ("first failure", 70_000),
        ("first reset", 90_000),
    ]
    record = replace(record, first_failed_page=replace(failed_page, wall_s=10.0))
    assert [m.label for m in capacity_markers(record)] == ["knee", "first reset"]  # the first failure was it
    saturation = Saturation(
        **replace(moment, real_users=80_000).point().place(),
        max_served_rps=1.0,
        light_rps_per_unit=0.1,
        evidence="",
    )
    answer = BreakAnswer(
        saturation=saturation,
        first_failure=None,
        first_resets=FirstResets(**moment.point().place(), evidence=""),
    )
    assert [(m.label, m.load) for m in capacity_markers(replace(record, break_answer=answer))] == [
        ("saturation", 80_000),
        ("first resets", 90_000),
    ]
    assert [(m.label, m.load) for m in capacity_markers(broken_record())] == [
        ("saturation", 57_200),
        ("first failure", 57_200),
        ("first resets", 67_000),
    ]
