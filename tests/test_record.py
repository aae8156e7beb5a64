"""The run record: summary.json read and written back unchanged, its keys checked, and its figures
built from what the recorder measured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flashcrowd.results.codec import FormatError
from flashcrowd.results.record import Moment, RunRecord, read_record, write_record

# summary.json as written before the typed record: a 45 s demo that broke, ci-smoke passing.
FORMATS = [Path(__file__).with_name(name) for name in ("summary-format.json", "summary-format-passed.json")]


@pytest.mark.parametrize("path", FORMATS, ids=lambda path: path.stem)
def test_summary_json_reads_into_a_record_and_writes_back_byte_for_byte(path, tmp_path):
    record = read_record(path)
    assert record.to_json() == json.loads(path.read_text())
    write_record(record, tmp_path / "summary.json")
    assert (tmp_path / "summary.json").read_bytes() == path.read_bytes()


def test_the_record_reads_as_attributes_all_the_way_down():
    record = read_record(FORMATS[0])
    assert record.verdict == "slo_breached" and record.exit_code == 1
    assert record.break_answer.first_failure.kind == "http_5xx"
    assert isinstance(record.first_reset, Moment) and record.first_reset.sim_users == 670
    assert record.totals.failures_by_kind["connection_reset"] == 4242
    assert [slo.name for slo in record.slos if slo.breached] == ["no resets"]
    assert record.pages[0].first_failure.kind == "http_5xx"
    assert record.site.origin_checks[0].figure == "F2"
    assert record.scenario.figures[1].measure["origin"] == "US"
    assert record.timeline == ()  # summary.json holds no timeline


def test_keys_added_after_the_first_release_may_be_missing_and_the_rest_may_not():
    data = json.loads(FORMATS[0].read_text())
    for key in ("break", "started_at", "pages", "first_failed_page", "capacity", "site"):
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
    data = json.loads(FORMATS[0].read_text())
    change(data)
    with pytest.raises(FormatError) as error:
        RunRecord.from_json(data)
    assert str(error.value).startswith(message)
