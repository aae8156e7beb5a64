"""SLOs judged over sliding windows during the run, and the run stopped on the first breach if asked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from recorder_helpers import feed, run_in_process, scenario, scripted_user, started_recorder

from flashcrowd.results.record import read_record
from flashcrowd.results.slo import DEFAULT_ERROR_OBJECTIVE, SloVerdict, metric_value, objectives
from flashcrowd.scenario.model import SLO
from flashcrowd_common.errors import ExitCode

ERROR_RATE = SLO("errors under 20 %", "error_rate", "<=", 0.2, 3)


def fed_recorder(tmp_path, slos, seconds):
    """A recorder fed ``seconds`` = [(latencies, resets), ...], one entry a second."""
    recorder = started_recorder(scenario([(0, 1)], 60.0, slos), tmp_path)
    for offset, (latencies, resets) in enumerate(seconds):
        feed(recorder, offset, latencies, resets)
    recorder.finish()
    return recorder


def test_a_collapse_at_the_end_breaches_a_window_that_the_totals_would_hide(tmp_path):
    healthy, collapsed = ([10.0] * 100, 0), ([10.0] * 100, 100)
    recorder = fed_recorder(tmp_path, [ERROR_RATE], [healthy] * 30 + [collapsed] * 2)

    assert recorder.totals.failures["connection_reset"] / recorder.totals.requests < 0.2  # totals look fine
    verdict = read_record(tmp_path / "summary.json").slos[0]
    assert verdict.breached is True
    assert verdict.first_breach.wall_s == pytest.approx(recorder.rows[-1].wall_s, abs=1.01)
    assert verdict.first_breach.value == pytest.approx(100 / 300)
    assert verdict.worst == pytest.approx(200 / 300)
    assert recorder.exit_code == ExitCode.SLO_BREACHED


def test_windows_are_judged_once_full_and_a_short_run_once_at_the_end(tmp_path):
    p95 = SLO("p95 under 100 ms", "p95_ms", "<=", 100, 3)
    long_window = SLO("rps at least 50", "rps", ">=", 50, 30)
    slow_tail = [500.0] * 6 + [10.0] * 54  # 6 slow of the window's 180 requests: p95 stays 10 ms
    recorder = fed_recorder(tmp_path, [p95, long_window], [([10.0] * 60, 0)] * 4 + [(slow_tail, 0)])

    fast, steady, _errors = recorder.verdicts
    assert fast.windows_judged == 3  # seconds 3, 4 and 5 close a full 3 s window
    assert fast.breached is False
    assert fast.worst == pytest.approx(10.0, rel=0.001)
    assert steady.windows_judged == 1 and steady.worst == pytest.approx(60.0)
    assert steady.breached is False
    assert recorder.exit_code == ExitCode.OK


def test_instant_resets_cannot_flatter_the_latency_of_successes(tmp_path):
    # The site resets 97 % of requests at once and answers the rest after 300 ms.
    collapsing = [1.0] * 97 + [300.0] * 3
    p95_all = SLO("p95 under 100 ms", "p95_ms", "<=", 100, 2)
    p95_ok = SLO("successes' p95 under 100 ms", "p95_ok_ms", "<=", 100, 2)
    recorder = fed_recorder(tmp_path, [p95_all, p95_ok], [(collapsing, 97)] * 3)

    all_requests, successes, _errors = recorder.verdicts
    assert all_requests.breached is False and all_requests.worst == pytest.approx(1.0, rel=0.001)
    assert successes.breached is True and successes.worst == pytest.approx(300.0, rel=0.001)
    row = recorder.rows[-1]
    assert row.p95_ms == pytest.approx(1.0, rel=0.001) and row.p95_ok_ms == pytest.approx(300.0, rel=0.001)
    totals = read_record(tmp_path / "summary.json").totals
    assert totals.p95_ok_ms == pytest.approx(300.0, rel=0.001) and totals.p95_ms < 2


def test_a_window_with_no_success_has_no_latency_of_successes(tmp_path):
    p95_ok = SLO("successes' p95 under 100 ms", "p95_ok_ms", "<=", 100, 1)
    recorder = fed_recorder(tmp_path, [p95_ok], [([5.0] * 10, 10)] * 2)
    assert recorder.rows[-1].p95_ok_ms is None and recorder.window(1).p95_ok_ms is None
    assert recorder.verdicts[0].windows_judged == 0 and not recorder.verdicts[0].breached


P95 = SLO("p95 under 1 s", "p95_ms", "<=", 1000, 10)
TWO_PERCENT_FAILED = ([10.0] * 100, 2)


def test_failed_requests_breach_a_run_whose_slos_are_all_about_latency(tmp_path):
    recorder = fed_recorder(tmp_path, [P95], [TWO_PERCENT_FAILED] * 5)
    assert recorder.exit_code == ExitCode.SLO_BREACHED
    latency, errors = read_record(tmp_path / "summary.json").slos
    assert not latency.breached
    assert errors.name == DEFAULT_ERROR_OBJECTIVE.name and errors.metric == "error_rate"
    assert errors.breached and errors.worst == pytest.approx(0.02)


def test_a_scenario_may_set_its_own_error_objective_looser_than_the_default(tmp_path):
    looser = SLO("errors under 5 %", "error_rate", "<=", 0.05, 10)
    assert objectives([P95, looser]) == (P95, looser)
    assert objectives([P95]) == (P95, DEFAULT_ERROR_OBJECTIVE)
    recorder = fed_recorder(tmp_path, [P95, looser], [TWO_PERCENT_FAILED] * 5)
    assert recorder.exit_code == ExitCode.OK
    assert [slo.name for slo in read_record(tmp_path / "summary.json").slos] == [P95.name, looser.name]


def test_a_run_in_which_every_request_failed_never_passes_whatever_its_slos_allow(tmp_path):
    anything = SLO("errors allowed", "error_rate", "<=", 1.0, 10)
    recorder = fed_recorder(tmp_path, [anything], [([10.0] * 20, 20)] * 3)
    assert recorder.exit_code == ExitCode.SLO_BREACHED
    record = read_record(tmp_path / "summary.json")
    assert record.verdict == "slo_breached" and record.totals.all_failed
    assert not any(slo.breached for slo in record.slos)
    run_case = ET.parse(tmp_path / "junit.xml").getroot().find("testcase[@name='run completed']")
    assert run_case.find("failure").get("message").startswith("every request failed: 60 requests")


def test_at_least_slos_keep_their_lowest_value_as_the_worst():
    verdict = SloVerdict(SLO("rps", "rps", ">=", 100, 1))
    for rps, wall_s in ((150, 1.0), (90, 2.0), (120, 3.0), (80, 4.0)):
        verdict.judge(_Stats(rps), wall_s, f"t{wall_s}")
    assert verdict.worst == 80 and verdict.worst_wall_s == 4.0
    assert verdict.first_breach is not None and verdict.first_breach.wall_s == 2.0


def test_a_window_without_requests_has_no_latency_but_has_a_rate():
    assert metric_value("p95_ms", _Stats(0)) is None
    assert metric_value("rps", _Stats(0)) == 0.0
    with pytest.raises(ValueError, match="unknown SLO metric"):
        metric_value("p42_ms", _Stats(0))


@pytest.mark.load
def test_stop_on_breach_ends_the_run_at_the_first_breach(tmp_path):
    def resets_after_one_second(t, rng):
        return 2.0, ConnectionResetError(104, "Connection reset by peer") if t > 1.0 else None

    no_resets = SLO("no resets", "resets", "<=", 0, 1)
    curve = scenario([(0, 3)], 30.0, [no_resets])
    recorder = run_in_process(curve, tmp_path, scripted_user(resets_after_one_second), stop_on_breach=True)

    record = read_record(tmp_path / "summary.json")
    assert record.stopped_by.slo == "no resets"
    assert record.totals.duration_s < 8  # of 30
    assert record.exit_code == ExitCode.SLO_BREACHED
    assert recorder.rows[-1].wall_s < 8


class _Stats:
    """Just enough of a WindowStats for metric_value."""

    def __init__(self, requests: int) -> None:
        self.rps = float(requests)
        self.p95_ms = None if requests == 0 else 10.0
