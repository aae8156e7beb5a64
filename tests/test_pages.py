"""Per-page tallies and sessions sent, as workers ship them and a master merges them; the capacity chart."""

from __future__ import annotations

import random

import pytest
from recorder_helpers import deliver, nearest_rank, scenario, started_recorder

from flashcrowd.report.capacity import (
    CapacityPoint,
    LoadMarker,
    capacity_svg,
    markers_from_summary,
    write_capacity_png,
)
from flashcrowd.report.pages import first_failed_page, page_rows
from flashcrowd.results.pages import PageTallies
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

    rows = {(row["method"], row["name"]): row for row in page_rows(recorder, duration_s=10.0)}
    home_row = rows[("GET", "home")]
    assert home_row["requests"] == 4002 and home_row["retries"] == 2 and home_row["rps"] == 400.2
    everything = [*home["w1"], *home["w2"], 50.0, 50.0]
    assert home_row["p95_ms"] == pytest.approx(nearest_rank(everything, 95.0), rel=0.001)
    signin = rows[("POST", "signin")]
    assert signin["failures_by_kind"] == {"connection_reset": 2} and signin["error_rate"] == 1.0
    first = first_failed_page(list(rows.values()))
    assert (first["method"], first["name"], first["kind"]) == ("POST", "signin", "connection_reset")
    assert first["wall_s"] == pytest.approx(2.5, abs=0.01)
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
    moment = {"wall_s": 10.0, "real_time": "2016-11-08T22:00:00-05:00", "users": 900, "real_users": 90_000}
    summary = {
        "knee": {**moment, "real_users": 60_000},
        "first_failed_page": {
            **moment,
            "wall_s": 5.0,
            "real_users": 70_000,
            "name": "home",
            "kind": "read_timeout",
        },
        "first_reset": moment,
    }
    assert [(m.label, m.load) for m in markers_from_summary(summary)] == [
        ("knee", 60_000),
        ("first failure", 70_000),
        ("first reset", 90_000),
    ]
    summary["first_failed_page"]["wall_s"] = 10.0  # the first failure was the first reset: one line
    assert [m.label for m in markers_from_summary(summary)] == ["knee", "first reset"]
    summary["break"] = {
        "saturation": {**moment, "real_users": 80_000},
        "first_failure": None,
        "first_resets": moment,
    }
    assert [(m.label, m.load) for m in markers_from_summary(summary)] == [
        ("saturation", 80_000),
        ("first resets", 90_000),
    ]
