"""Live metrics for Prometheus: scraped during a run they parse and show the timeline's own seconds, and a
real Prometheus that scraped a run which ended under load holds every request summary.json holds."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error
from ports import free_port
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_helpers import Prometheus, prometheus_scraping
from run_helpers import SMOKE, ScrapedRun, run_scraping
from stacks import StackUnavailable

from flashcrowd.http.classify import KINDS
from flashcrowd.results.live_metrics import BUCKETS_S, LiveMetrics
from flashcrowd.results.record import read_record
from flashcrowd.results.tally import SecondTally
from flashcrowd.results.timeline import TimelineRow

DASHBOARD = Path(__file__).parents[1] / "docs" / "grafana-dashboard.json"
DURATION = "flashcrowd_request_duration_seconds"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(name, labels without the scenario) -> value, for one scrape."""
    return {
        (
            sample.name,
            tuple(sorted((k, v) for k, v in sample.labels.items() if k != "scenario")),
        ): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.load
def test_scrapes_parse_and_agree_with_the_timeline(smoke_run_with_metrics):
    run = smoke_run_with_metrics
    with (run.out / "timeline.csv").open() as file:
        rows = list(csv.DictReader(file))
    late = read_record(run.out / "summary.json").totals.late_requests
    by_wall_s = {float(row["wall_s"]): (index, row) for index, row in enumerate(rows)}
    matched = 0
    for text in run.scrapes:
        seen = samples(text)
        wall_s = seen.get(("flashcrowd_second_wall_seconds", ()))
        if wall_s is None:
            continue  # scraped before the first second was written
        index, row = by_wall_s[wall_s]  # a scrape shows exactly one second of the timeline...
        assert seen[("flashcrowd_users", (("state", "achieved"),))] == float(row["achieved_users"])
        assert seen[("flashcrowd_users", (("state", "target"),))] == pytest.approx(
            float(row["target_users"]), abs=1e-3
        )
        assert seen[("flashcrowd_requests_per_second", ())] == float(row["rps"])
        assert seen[("flashcrowd_retries_per_second", ())] == float(row["retries"])
        for kind in KINDS:
            assert seen[("flashcrowd_failures_per_second", (("kind", kind),))] == float(row[kind])
        # ...and every request counted up to it (and those that came in late for an earlier second)
        so_far = sum(int(r["requests"]) for r in rows[: index + 1])
        requests = seen[("flashcrowd_requests_total", ())]
        assert so_far <= requests <= so_far + late
        counts = [seen[(f"{DURATION}_count", (("outcome", outcome),))] for outcome in ("success", "failure")]
        assert sum(counts) == requests
        assert counts[1] == sum(seen[("flashcrowd_failures_total", (("kind", kind),))] for kind in KINDS)
        matched += 1
    assert matched >= 5, f"only {matched} of {len(run.scrapes)} scrapes showed a second"


# ci-smoke's visitors, pages and SLOs, on a curve that ends at its peak: the run ends under load.
ENDS_AT_PEAK = re.compile(r"^load:.*?(?=^origins:)", re.S | re.M)
PEAK_LOAD = """\
load:
  unit: concurrent_users
  keyframes:
    - {at: "+0s", value: 0}
    - {at: "+3s", value: 20}
    - {at: "+10s", value: 20}

"""


@pytest.mark.load
def test_a_real_prometheus_keeps_every_request_of_a_run_that_ended_under_load(tmp_path):
    scenario = tmp_path / "ci-smoke-at-peak.yaml"
    scenario.write_text(ENDS_AT_PEAK.sub(PEAK_LOAD, Path(SMOKE).read_text()), encoding="utf-8")
    port = free_port()
    try:
        with prometheus_scraping(port) as prometheus:
            run = run_scraping(str(scenario), out=tmp_path / "out", port=port)
            assert_prometheus_holds_the_run(prometheus, run)
    except StackUnavailable as missing:
        pytest.skip(str(missing))


def assert_prometheus_holds_the_run(prometheus: Prometheus, run: ScrapedRun) -> None:
    """What ``prometheus`` kept of ``run`` is what its summary.json says."""
    totals = read_record(run.out / "summary.json").totals
    with (run.out / "timeline.csv").open() as file:
        full, cut_short = list(csv.DictReader(file))[-2:]  # the last second ends at the stop
    assert int(cut_short["achieved_users"]) == 20 and int(full["requests"]) > 10  # it ended under load

    # The samples Prometheus stored (its scrapes failed once the run had gone: they are not samples).
    stored = prometheus.samples("flashcrowd_requests_total[1m]", at=run.ended_at)
    assert len(stored) >= 8  # scraped as it ran, every second
    final_at, final_requests = stored[-1]
    assert final_requests == totals.requests

    def at_the_end(expr: str) -> dict[tuple[tuple[str, str], ...], float]:
        return prometheus.query(expr, at=final_at)

    scenario = (("scenario", "ci-smoke"),)
    assert at_the_end("sum(flashcrowd_failures_total)") == {(): totals.failures}
    assert at_the_end("flashcrowd_retries_total") == {scenario: totals.retries}
    assert at_the_end(f"sum({DURATION}_count)") == {(): totals.requests}
    # The histogram puts the requests where summary.json's percentiles say: p95 <= a bound exactly when
    # 95 % of the requests are in that bound's bucket (HdrHistogram's rank), for all and for successes.
    for selector, p95_ms, count in (
        ("", totals.p95_ms, totals.requests),
        ('outcome="success"', totals.p95_ok_ms, totals.requests - totals.failures),
    ):
        buckets = at_the_end(f"sum by (le) ({DURATION}_bucket{{{selector}}})")
        rank = max(1, int(0.95 * count + 0.5))
        for bound in BUCKETS_S:
            assert (buckets[(("le", f"{bound:g}"),)] >= rank) == (p95_ms / 1000 <= bound), (bound, p95_ms)
    assert "until every scraper (2) had the final figures" in run.output
    # Every query of the Grafana dashboard answers from what Prometheus kept (failures too, unfiltered).
    for expr in dashboard_queries():
        query = expr.replace("$scenario", "ci-smoke").replace("$__rate_interval", "10s").removesuffix(" > 0")
        assert at_the_end(query), query


def test_a_busy_or_unknown_prometheus_port_is_refused_in_one_line(tmp_path, capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        argv = ["run", SMOKE, "--out", str(tmp_path), "--prometheus-port", str(port)]
        assert_one_line_error(capsys, argv, 2, "--prometheus-port", "not free")
    argv = ["run", SMOKE, "--out", str(tmp_path), "--prometheus-port", "0"]
    assert_one_line_error(capsys, argv, 2, "--prometheus-port 0")


def test_latency_is_a_histogram_in_seconds_by_outcome():
    metrics = LiveMetrics("ci-smoke")
    tally = SecondTally()
    for latency_ms, failed in ((3.0, False), (40.0, False), (40.0, True), (2_000.0, False), (45_000.0, True)):
        tally.add(latency_ms, ConnectionResetError(104, "reset") if failed else None, False, 0.0)
    metrics.count(tally)
    seen = samples(generate_latest(metrics.registry).decode())

    def bucket(outcome: str, le: str) -> float:
        return seen[(f"{DURATION}_bucket", (("le", le), ("outcome", outcome)))]

    assert [bucket("success", le) for le in ("0.005", "0.05", "1", "2.5", "+Inf")] == [1, 2, 2, 3, 3]
    assert [bucket("failure", le) for le in ("0.025", "0.05", "30", "60", "+Inf")] == [0, 1, 1, 2, 2]
    assert seen[(f"{DURATION}_sum", (("outcome", "failure"),))] == pytest.approx(45.04, rel=0.002)
    assert seen[("flashcrowd_failures_total", (("kind", "connection_reset"),))] == 2
    assert ("flashcrowd_latency_ms", (("quantile", "0.95"),)) not in seen  # a summary's label, on a gauge


def test_the_grafana_dashboard_reads_only_metrics_the_run_serves():
    metrics = LiveMetrics("ci-smoke")
    metrics.show(TimelineRow(1.0, "2016-11-08T23:00:01-05:00", 2.0, 2, 2.0, 2.0, requests=3, retries=1))
    served = {name for name, _ in samples(generate_latest(metrics.registry).decode())}
    used = {name for expr in dashboard_queries() for name in re.findall(r"\bflashcrowd_[a-z_]+\b", expr)}
    assert used and used <= served, used - served


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
