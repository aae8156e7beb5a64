"""Live metrics for Prometheus: scraped during a run, they parse and show the timeline's own seconds."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from run_helpers import SMOKE

from flashcrowd.http.classify import KINDS
from flashcrowd.results.live_metrics import LiveMetrics
from flashcrowd.results.timeline import TimelineRow


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
    out, scrapes = smoke_run_with_metrics
    with (out / "timeline.csv").open() as file:
        rows = list(csv.DictReader(file))
    by_wall_s = {float(row["wall_s"]): (index, row) for index, row in enumerate(rows)}
    matched = 0
    for text in scrapes:
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
        for quantile, column in (("0.5", "p50_ms"), ("0.95", "p95_ms"), ("0.99", "p99_ms")):
            value = seen[("flashcrowd_latency_ms", (("quantile", quantile),))]
            assert (
                math.isnan(value)
                if row[column] == ""
                else value == pytest.approx(float(row[column]), abs=1e-3)
            )
        # ...and the totals up to it
        assert seen[("flashcrowd_requests_total", ())] == sum(int(r["requests"]) for r in rows[: index + 1])
        assert seen[("flashcrowd_retries_total", ())] == sum(int(r["retries"]) for r in rows[: index + 1])
        matched += 1
    assert matched >= 5, f"only {matched} of {len(scrapes)} scrapes showed a second"


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


def test_the_grafana_dashboard_reads_only_metrics_the_run_serves():
    metrics = LiveMetrics("ci-smoke")
    metrics.update(TimelineRow(1.0, "2016-11-08T23:00:01-05:00", 2.0, 2, 2.0, 2.0, requests=3, retries=1))
    served = {name for name, _ in samples(generate_latest(metrics.registry).decode())}
    dashboard = json.loads((Path(__file__).parents[1] / "docs" / "grafana-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\bflashcrowd_[a-z_]+\b", expr)}
    assert used and used <= served, used - served
