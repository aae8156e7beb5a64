"""The run record: summary.json read and written back unchanged, its keys checked, and its figures
built from what the recorder measured."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from record_helpers import BROKEN, PASSED, broken_record
from recorder_helpers import feed, scenario, started_recorder

from flashcrowd.results.break_types import When
from flashcrowd.results.build import build_record
from flashcrowd.results.codec import FormatError
from flashcrowd.results.record import Moment, RunRecord, read_record, write_record
from flashcrowd.results.record_upgrade import LOADS, RECORD_FORMAT
from flashcrowd.scenario.model import SLO


@pytest.mark.parametrize("path", [BROKEN, PASSED], ids=lambda path: path.stem)
def test_summary_json_reads_into_a_record_and_writes_back_byte_for_byte(path, tmp_path):
    # The fixtures are format 1: read, they are written in today's format, which reads back unchanged.
    record = read_record(path)
    old, new = json.loads(path.read_text()), record.to_json()
    upgraded = ("format", "break", "knee")
    assert {k: v for k, v in new.items() if k not in upgraded} == {
        k: v for k, v in old.items() if k not in upgraded
    }
    write_record(record, tmp_path / "summary.json")
    assert read_record(tmp_path / "summary.json") == record
    write_record(read_record(tmp_path / "summary.json"), tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "summary.json").read_bytes()


def test_a_format_1_break_reads_as_the_load_points_find_break_gives_too():
    record = broken_record()
    assert record.format == RECORD_FORMAT == 2
    saturation, failure, resets = (getattr(record.break_answer, name) for name in LOADS)
    assert (saturation.load, saturation.users, saturation.real_users) == (572, 572, 57_200.0)
    assert saturation.at == When(wall_s=11.437, real_time="2016-11-08T21:01:59-05:00")
    assert (saturation.max_served_rps, saturation.light_rps_per_unit) == (
        104.6,
        pytest.approx(0.1945, rel=1e-3),
    )
    assert failure.kind == "http_5xx" and resets.real_users == 67_000.0 and resets.at.wall_s == 13.015
    assert record.knee.load == 392 and record.knee.at.real_time == "2016-11-08T20:40:39-05:00"
    data = json.loads(BROKEN.read_text())
    data["break"]["first_failure"]["kind"] = "connection_reset"  # format 1 named the classify.py kind
    assert RunRecord.from_json(data).break_answer.first_failure.kind == "resets"


def test_the_record_reads_as_attributes_all_the_way_down():
    record = broken_record()
    assert record.verdict == "slo_breached" and record.exit_code == 1
    assert record.break_answer.first_failure.kind == "http_5xx"
    assert record.break_answer.first_resets.at.wall_s == record.first_reset.wall_s
    assert isinstance(record.first_reset, Moment) and record.first_reset.sim_users == 670
    assert record.totals.failures_by_kind["connection_reset"] == 4242
    assert [slo.name for slo in record.slos if slo.breached] == ["no resets"]
    assert record.pages[0].first_failure.kind == "http_5xx"
    assert record.site.origin_checks[0].figure == "F2"
    assert record.scenario.figures[1].measure["origin"] == "US"
    assert record.timeline == ()  # summary.json holds no timeline


def test_keys_added_after_the_first_release_may_be_missing_and_the_rest_may_not():
    data = json.loads(BROKEN.read_text())
    for key in ("break", "find_break", "started_at", "pages", "first_failed_page", "capacity", "site"):
        del data[key]
    older = RunRecord.from_json(data)
    assert older.break_answer is None and older.pages == () and older.site is None
    assert "break" in older.to_json()  # written back in today's format

    del data["totals"]["p95_ok_ms"]
    with pytest.raises(FormatError, match=r"^totals\.p95_ok_ms: missing$"):
        RunRecord.from_json(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data["totals"].update(p95_ms="fast"), "totals.p95_ms: expected a number, found 'fast'"),
        (lambda data: data["slos"][0].update(breached=1), "slos[0].breached: expected true or false"),
        (lambda data: data["pages"][0].update(requests=1.5), "pages[0].requests: expected a whole number"),
        (lambda data: data.update(capacity={}), "capacity: expected a list, found {}"),
        (lambda data: data["site"].update(timeline=[3]), "site.timeline[0]: expected an object, found 3"),
    ],
)
def test_a_value_of_the_wrong_type_is_named_by_its_key(change, message):
    data = json.loads(BROKEN.read_text())
    change(data)
    with pytest.raises(FormatError) as error:
        RunRecord.from_json(data)
    assert str(error.value).startswith(message)


def test_a_record_built_from_known_seconds_has_their_totals_and_verdicts(tmp_path):
    no_resets = SLO("no resets", "resets", "<=", 0, 2)
    recorder = started_recorder(scenario([(0, 1)], 60.0, [no_resets]), tmp_path)
    feed(recorder, 0, [10.0] * 90 + [100.0] * 10)  # 100 requests
    feed(recorder, 1, [20.0] * 50, resets=5)  # 50 requests, the first 5 reset half-way through
    recorder.finish()
    record = build_record(recorder)

    totals = record.totals
    assert (totals.requests, totals.failures, totals.retries) == (150, 5, 0)
    assert totals.failures_by_kind == {"connection_reset": 5} == totals.failures_by_detail
    assert totals.duration_s == recorder.rows[-1].wall_s and totals.rps == 150 / totals.duration_s
    # Sorted: 90 x 10 ms, 50 x 20 ms, 10 x 100 ms; the 145 successes: 90 x 10, 45 x 20, 10 x 100.
    assert totals.p50_ms == pytest.approx(10.0, rel=0.001)  # the 75th of 150
    assert totals.p95_ms == pytest.approx(100.0, rel=0.001)  # the 143rd
    assert totals.p95_ok_ms == pytest.approx(100.0, rel=0.001)  # the 138th of 145
    assert totals.max_ms == pytest.approx(100.0, rel=0.001)
    assert record.first_reset.wall_s == pytest.approx(
        int(recorder.started_at) + 1.5 - recorder.started_at, abs=0.001
    )
    slo, default_errors = record.slos  # 5 of 50 failed in the last second: over the default 1 %
    assert slo.breached and slo.first_breach.value == 5 and slo.windows_judged == 1
    assert default_errors.breached and default_errors.worst == pytest.approx(5 / 150)
    assert (record.exit_code, record.verdict) == (1, "slo_breached")
    assert record.timeline == tuple(recorder.rows) and len(record.timeline) == 2
    # What the recorder's finish wrote is this record, less the timeline that summary.json leaves out.
    assert read_record(tmp_path / "summary.json") == replace(record, timeline=())
