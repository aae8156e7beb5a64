"""`flashcrowd compare`: the same build twice is noise (exit 0); four times slower service is named (1)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from cli_helpers import assert_one_line_error
from record_helpers import broken_record

from flashcrowd.cli import main
from flashcrowd.compare.figures import compare
from flashcrowd.compare.tolerance import Tolerances
from flashcrowd.results.break_types import BreakAnswer, Saturation
from flashcrowd.results.record import CapacityBin, Moment, PageStats, RunRecord


@pytest.mark.load
def test_two_runs_of_the_same_build_compare_clean(smoke_run_with_metrics, smoke_run, tmp_path, capsys):
    baseline = smoke_run_with_metrics.out
    html, junit = tmp_path / "compare.html", tmp_path / "compare.xml"

    code = main(["compare", str(baseline), str(smoke_run), "--html", str(html), "--junit", str(junit)])

    out = capsys.readouterr().out
    assert code == 0, out
    assert out.strip().splitlines()[-1].startswith("compare: no regression")
    for figure in ("all requests p95", "all requests error rate", "GET home p95", "throughput at 20 users"):
        assert figure in out
    suite = ET.parse(junit).getroot()
    assert suite.get("failures") == "0" and int(suite.get("tests")) >= 6
    assert 'id="verdict"' in html.read_text() and "no regression" in html.read_text()


@pytest.mark.load
def test_four_times_slower_service_is_a_regression_named_in_every_output(
    smoke_run_with_metrics, slow_smoke_run, tmp_path, capsys
):
    baseline = smoke_run_with_metrics.out
    junit = tmp_path / "compare.xml"

    code = main(["compare", str(baseline / "summary.json"), str(slow_smoke_run), "--junit", str(junit)])

    verdict = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 1, verdict
    assert verdict.startswith("compare: REGRESSED") and "all requests p95" in verdict
    failures = [case.find("failure") for case in ET.parse(junit).getroot().iter("testcase")]
    messages = [failure.get("message") for failure in failures if failure is not None]
    assert any(message.startswith("all requests p95") for message in messages), messages


def _moment(wall_s: float, real_time: str, real_users: float) -> Moment:
    users = round(real_users / 100)
    return Moment(
        wall_s=wall_s, real_time=real_time, sim_users=users, real_users=real_users, target_sim_users=users
    )


def _record(
    p95_ms: float,
    failures: int = 0,
    saturation_users: float | None = None,
    standard_error: float | None = None,
) -> RunRecord:
    """1,000 requests in 60 s, saturated at ``saturation_users`` (if given, read to within
    ``standard_error`` of its load); no pages, no capacity."""
    record = broken_record()
    saturation = (
        None
        if saturation_users is None
        else Saturation(
            **_moment(30.0, "2016-11-08T22:00:00-05:00", saturation_users).point().place(),
            max_served_rps=100.0,
            light_rps_per_unit=0.2,
            evidence="",
            standard_error=None if standard_error is None else standard_error * saturation_users / 100,
        )
    )
    return replace(
        record,
        totals=replace(
            record.totals, requests=1000, failures=failures, p95_ms=p95_ms, duration_s=60.0, retries=0
        ),
        break_answer=BreakAnswer(saturation=saturation, first_failure=None, first_resets=None),
        first_reset=None,
        pages=(),
        capacity=(),
    )


def _page(name: str, requests: int, failures: int, p95_ms: float) -> PageStats:
    return replace(
        broken_record().pages[0], name=name, method="GET", requests=requests, failures=failures, p95_ms=p95_ms
    )


def test_tolerances_tell_noise_from_a_regression():
    tolerances = Tolerances()
    baseline = _record(100.0, failures=2, saturation_users=90_000)
    noise = _record(130.0, failures=8, saturation_users=85_000)  # +30 %, +0.6 points, -6 %
    assert not [f.name for f in compare(baseline, noise, tolerances) if f.regressed]

    worse = _record(160.0, failures=30, saturation_users=70_000)
    regressed = {f.name for f in compare(baseline, worse, tolerances) if f.regressed}
    assert regressed == {"all requests p95", "all requests error rate", "saturation load"}

    sub_floor = _record(6.0)  # triple the p95 of a 2 ms site is still only +4 ms: noise
    assert not [f for f in compare(_record(2.0), sub_floor, tolerances) if f.regressed]
    assert [f.name for f in compare(_record(2.0), sub_floor, Tolerances(p95_floor_ms=1)) if f.regressed] == [
        "all requests p95"
    ]


def test_throughput_at_equal_load_regresses_beyond_a_fifth_and_the_noise_of_its_counts():
    def held(rps: float, seconds: int) -> RunRecord:
        return replace(
            _record(100.0),
            capacity=(CapacityBin(real_users=2000.0, users=20.0, rps=rps, p95_ms=10.0, seconds=seconds),),
        )

    def regressed(baseline: RunRecord, current: RunRecord) -> list[str]:
        return [f.name for f in compare(baseline, current, Tolerances()) if f.regressed]

    # Two 12 s smoke runs of one build held 20 visitors for 8 s: 236 and 188 responses (CI, 4 Dec).
    assert regressed(held(29.5, 8), held(23.5, 8)) == []  # -20 %, within 3 sigma of the counts
    assert regressed(held(29.5, 60), held(23.5, 60)) == ["throughput at 2,000 users"]  # a minute of it
    assert regressed(held(29.5, 60), held(25.0, 60)) == []  # -15 %: within the allowed fifth


def test_saturation_regresses_beyond_a_tenth_and_the_noise_of_both_readings():
    def regressed(baseline: RunRecord, current: RunRecord) -> list[str]:
        return [f.name for f in compare(baseline, current, Tolerances()) if f.regressed]

    # 26 runs of election night read the bundled site's saturation to within 4 to 23 % (one standard
    # error); runs against gunicorn, to within 0.5 to 3.4 %.
    assert regressed(_record(100.0, saturation_users=90_000), _record(100.0, saturation_users=75_000)) == [
        "saturation load"
    ]
    noisy = [_record(100.0, saturation_users=users, standard_error=0.12) for users in (90_000, 75_000)]
    assert regressed(*noisy) == []  # -17 %, within 3 standard errors of the two readings
    sure = [_record(100.0, saturation_users=users, standard_error=0.02) for users in (90_000, 75_000)]
    assert regressed(*sure) == ["saturation load"]
    why = next(f.why for f in compare(*sure, Tolerances()) if f.regressed)
    assert "the readings' noise" in why


def test_a_break_the_baseline_never_reached_is_a_regression():
    baseline = _record(100.0)
    current = _record(100.0, saturation_users=50_000)
    regressed = [f for f in compare(baseline, current, Tolerances()) if f.regressed]
    assert [f.name for f in regressed] == ["saturation load"] and "never reached" in regressed[0].why


def test_a_summary_without_a_break_key_compares_its_first_reset():
    older = _record(100.0).to_json()
    del older["break"]  # as a summary.json written before the break answer
    baseline = replace(
        RunRecord.from_json(older), first_reset=_moment(40.0, "2016-11-08T22:30:00-05:00", 100_000)
    )
    current = replace(baseline, first_reset=_moment(20.0, "2016-11-08T21:30:00-05:00", 60_000))
    figures = {f.name: f for f in compare(baseline, current, Tolerances())}
    assert figures["first resets load"].regressed
    assert figures["first resets at (s into the run)"].change == "-20.0 s"


GOOD = _record(100.0).to_json()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, ("missing", "no such file or directory")),
        ("{not json", ("bad.json:1", "not JSON")),
        (json.dumps({key: value for key, value in GOOD.items() if key != "totals"}), ("totals", "missing")),
        (json.dumps(GOOD | {"totals": []}), ("totals", "expected an object")),
        (json.dumps(GOOD | {"totals": GOOD["totals"] | {"p95_ms": "fast"}}), ("totals.p95_ms", "a number")),
    ],
)
def test_bad_input_is_one_line_and_exit_2(content, words, tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD))
    bad = tmp_path / ("missing" if content is None else "bad.json")
    if content is not None:
        bad.write_text(content)
    assert_one_line_error(capsys, ["compare", str(bad), str(good)], 2, *words)
    assert_one_line_error(
        capsys, ["compare", str(good), str(good), "--p95-tolerance", "fast"], 2, "--p95-tolerance"
    )


def test_smoke_refuses_a_bad_baseline_before_anything_starts(tmp_path, capsys):
    assert_one_line_error(capsys, ["smoke", "--baseline", str(tmp_path)], 2, "no summary.json in it")


def test_the_same_summary_is_never_a_regression(tmp_path, capsys):
    summary = replace(
        _record(100.0, failures=3, saturation_users=80_000),
        pages=(_page("home", 500, 3, 90.0), _page("rare", 5, 0, 10.0)),
    )
    figures = compare(summary, RunRecord.from_json(summary.to_json()), Tolerances())
    assert not [f for f in figures if f.regressed]
    assert {"GET home p95", "GET home error rate", "GET rare p95 (too few requests to judge)"} <= {
        f.name for f in figures
    }


@pytest.mark.load
def test_smoke_with_a_baseline_compares_in_the_same_step(
    smoke_run_with_metrics, slow_smoke_run, tmp_path, capsys, monkeypatch
):
    """The pipeline's one step: a smoke run (here the slow run's files) judged against a baseline."""
    from flashcrowd.cli import smoke
    from flashcrowd.launch.runner import RunOutcome, written_record

    baseline = smoke_run_with_metrics.out
    current = tmp_path / "smoke"
    shutil.copytree(slow_smoke_run, current)

    def finished_run(prepared):
        return RunOutcome(0, current, written_record(current), prepared.scenario, "http://127.0.0.1:1")

    monkeypatch.setattr(smoke, "execute", finished_run)
    code = main(["smoke", "--out", str(current), "--baseline", str(baseline)])

    assert code == 1 and "compare: REGRESSED" in capsys.readouterr().out
    assert "REGRESSED" in (current / "compare.html").read_text()
    assert ET.parse(current / "compare-junit.xml").getroot().get("failures") != "0"
