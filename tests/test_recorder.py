"""The recorder: exact percentiles, tallies merged by second, a timeline on disk as the run goes."""

from __future__ import annotations

import csv
import json
import random
import time
from collections import defaultdict

import gevent
import pytest
from locust.env import Environment
from ports import free_port
from recorder_helpers import (
    deliver,
    feed,
    nearest_rank,
    run_in_process,
    scenario,
    scripted_user,
    started_recorder,
)

from flashcrowd.in_locust.recording import attach
from flashcrowd.results import latency
from flashcrowd.results.record import Gap, read_record
from flashcrowd.results.recorder import REPORT_KEY
from flashcrowd.results.tally import SecondTally
from flashcrowd_common.errors import ExitCode

PERCENTILES = (50.0, 95.0, 99.0)


@pytest.mark.load
def test_percentiles_agree_with_the_raw_response_times_of_the_same_run(target_factory, tmp_path):
    from flashcrowd.in_locust.visitor import Visitor

    target = target_factory("ci-small")
    raw: list[float] = []
    raw_by_second: dict[int, list[float]] = defaultdict(list)
    edge_seconds: set[int] = set()  # a request ended within 1 ms of their start: it may be filed either side

    def keep_raw(environment, recorder):
        def listener(response_time, **_):
            now = time.time()  # a few µs after the recorder read the clock for the same request
            raw.append(response_time)
            raw_by_second[int(now)].append(response_time)  # the second the recorder files it in
            if now % 1 < 0.001:
                edge_seconds.update((int(now) - 1, int(now)))

        environment.events.request.add_listener(listener)

    recorder = run_in_process(scenario([(0, 8)], 3.0), tmp_path, Visitor, host=target.url, during=keep_raw)

    totals = read_record(tmp_path / "summary.json").totals
    assert totals.requests == len(raw) > 200
    for p, value in zip(PERCENTILES, (totals.p50_ms, totals.p95_ms, totals.p99_ms), strict=True):
        assert value == pytest.approx(nearest_rank(raw, p), rel=0.01)
    # A whole second's row stands at its end; the one the stop cut short stands mid-second and may still
    # miss requests that ended after it was written, so only whole seconds are compared.
    whole_seconds = {
        round(end) - 1: row
        for row in recorder.rows
        if abs((end := recorder.started_at + row.wall_s) - round(end)) < 0.002
    }
    busy = {s: row for s, row in whole_seconds.items() if row.requests >= 50 and s not in edge_seconds}
    assert busy
    for second, row in busy.items():
        assert row.requests == len(raw_by_second[second])
        assert row.p95_ms == pytest.approx(nearest_rank(raw_by_second[second], 95.0), rel=0.01)


def test_tallies_from_workers_land_in_their_second_and_merge_exactly(tmp_path):
    recorder = started_recorder(scenario([(0, 1)], 10.0), tmp_path)
    rng = random.Random(3)
    first = [rng.lognormvariate(3, 1) for _ in range(3000)]
    second = [rng.lognormvariate(5, 0.5) for _ in range(1000)]
    base = int(recorder.started_at) + 1
    for values, resets in ((first, 10), (second, 0)):  # two workers reporting the same second
        tally = SecondTally()
        for i, value in enumerate(values):
            tally.add(
                value,
                ConnectionResetError(104, "Connection reset by peer") if i < resets else None,
                False,
                base,
            )
        deliver(recorder, "worker", {REPORT_KEY: {str(base): tally.to_wire()}})
    feed(recorder, 2, [5.0])

    merged_row, next_row = recorder.rows[-2:]
    assert merged_row.requests == 4000 and merged_row.failures == {"connection_reset": 10}
    assert next_row.requests == 1
    for p, value in ((50.0, merged_row.p50_ms), (99.0, merged_row.p99_ms)):
        assert value == pytest.approx(nearest_rank(first + second, p), rel=0.001)
    assert recorder.first_reset_wall_s == pytest.approx(base - recorder.started_at, abs=0.01)


def test_a_report_for_a_second_already_written_counts_in_the_totals_only(tmp_path):
    recorder = started_recorder(scenario([(0, 1)], 10.0), tmp_path)
    feed(recorder, 1, [10.0] * 5)
    late = SecondTally()
    late.add(20.0, None, False, int(recorder.started_at) + 1)
    deliver(recorder, "worker", {REPORT_KEY: {str(int(recorder.started_at) + 1): late.to_wire()}})
    assert recorder.rows[-1].requests == 5
    assert recorder.totals.requests == 6 and recorder.late_requests == 1


@pytest.mark.load
def test_the_timeline_is_on_disk_while_the_run_goes(tmp_path):
    seen_during_run: list[int] = []

    def read_timeline(environment, recorder):
        gevent.sleep(2.2)
        with (tmp_path / "timeline.csv").open() as file:
            seen_during_run.append(len(list(csv.DictReader(file))))

    user = scripted_user(lambda t, rng: (rng.uniform(1, 3), None))
    run_in_process(scenario([(0, 2)], 3.0), tmp_path, user, during=read_timeline)

    assert seen_during_run and seen_during_run[0] >= 1
    with (tmp_path / "timeline.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert len(rows) >= 3 and int(rows[1]["requests"]) > 0
    assert rows[1]["real_time"].startswith("2016-11-08T22:00:0") and rows[1]["real_time"].endswith("-05:00")


def test_open_model_latency_runs_from_the_intended_start():
    sent_late = {"intended_start": 100.0}
    assert latency.measured_latency_ms(20.0, sent_late, now=100.5) == pytest.approx(500.0)
    assert latency.measured_latency_ms(20.0, {}, now=100.5) == 20.0
    assert latency.measured_latency_ms(20.0, None, now=100.5) == 20.0


def test_the_mean_latency_is_hdrhs_own_mean_and_none_when_empty():
    rng = random.Random(7)
    histogram = latency.new_histogram()
    assert latency.mean_ms(histogram) is None
    for _ in range(5000):  # sub-millisecond answers to a tail of seconds: many buckets
        latency.record_ms(histogram, rng.lognormvariate(1.0, 2.0))
    merged = latency.merge([latency.encode(histogram), latency.encode(histogram)])
    assert latency.mean_ms(histogram) == pytest.approx(histogram.get_mean_value() / 1000.0, rel=1e-12)
    assert latency.mean_ms(merged) == pytest.approx(latency.mean_ms(histogram), rel=1e-12)


def test_a_request_sent_late_by_a_stalled_generator_shows_its_whole_delay(tmp_path):
    recorder = started_recorder(scenario([(0, 1)], 10.0), tmp_path)
    now = time.time()
    for _ in range(100):  # each answered in 5 ms, but due 800 ms before it was sent
        recorder.environment.events.request.fire(
            request_type="GET",
            name="/",
            response_time=5.0,
            response_length=0,
            exception=None,
            context={"intended_start": now - 0.8},
        )
    recorder.finish()
    assert recorder.rows[-1].p50_ms >= 800.0


def test_gaps_are_opened_closed_and_listed_in_the_summary(tmp_path):
    recorder = started_recorder(scenario([(0, 1)], 10.0), tmp_path)
    feed(recorder, 1, [5.0])
    recorder.mark_gap(0.5, None, "worker w1 went missing")
    recorder.mark_gap(0.5, 1.5, "worker w1 went missing")
    recorder.mark_gap(1.7, None, "worker w2 went missing")
    recorder.finish()
    gaps = json.loads((tmp_path / "summary.json").read_text())["gaps"]  # as summary.json lists them
    assert gaps == [
        {"start_wall_s": 0.5, "end_wall_s": 1.5, "reason": "worker w1 went missing"},
        {"start_wall_s": 1.7, "end_wall_s": None, "reason": "worker w2 went missing"},
    ]
    assert read_record(tmp_path / "summary.json").gaps == (
        Gap(start_wall_s=0.5, end_wall_s=1.5, reason="worker w1 went missing"),
        Gap(start_wall_s=1.7, end_wall_s=None, reason="worker w2 went missing"),
    )


@pytest.mark.load
def test_a_site_that_never_answers_is_unreachable_not_a_generator_failure(tmp_path):
    def waits_forever(t, rng):
        gevent.sleep(60)  # stopped by the end of the curve long before
        return 0.0, None

    recorder = run_in_process(scenario([(0, 2)], 1.5), tmp_path, scripted_user(waits_forever))
    assert recorder.totals.requests == 0
    assert read_record(tmp_path / "summary.json").exit_code == ExitCode.TARGET_UNREACHABLE


def test_exit_codes_when_everything_is_refused_or_no_visitor_ran(tmp_path):
    recorder = started_recorder(scenario([(0, 1)], 10.0), tmp_path)
    assert recorder.exit_code == ExitCode.GENERATOR_FAILURE  # nothing ran at all
    tally = SecondTally()
    tally.add(1.0, ConnectionRefusedError(111, "Connection refused"), False, recorder.started_at)
    deliver(recorder, "worker", {REPORT_KEY: {str(int(recorder.started_at)): tally.to_wire()}})
    recorder.finish()
    assert recorder.exit_code == ExitCode.TARGET_UNREACHABLE


def test_a_step_boundary_set_on_the_master_reaches_its_workers(tmp_path):
    """find-break's ``count_from`` on a master travels as a Locust custom message to every worker,
    whose recorder then leaves out requests sent before the step began."""
    port = free_port()
    master_env, worker_env = Environment(), Environment()
    master = master_env.create_master_runner("127.0.0.1", port)
    worker = worker_env.create_worker_runner("127.0.0.1", port)
    try:
        master_recorder = attach(master_env, scenario([(0, 1)], 5), tmp_path / "master")
        worker_recorder = attach(worker_env, scenario([(0, 1)], 5), tmp_path / "worker")
        with gevent.Timeout(10):
            while not master.clients.ready:
                gevent.sleep(0.05)
        master_recorder.count_from(1_700_000_000.0)
        with gevent.Timeout(10):
            while worker_recorder.counts_from is None:
                gevent.sleep(0.05)
        assert worker_recorder.counts_from == 1_700_000_000.0
    finally:
        worker.quit()
        master.quit()
