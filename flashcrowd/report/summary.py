"""summary.json: the run in one document, read by ``flashcrowd run``/``demo`` and by the HTML report."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

import locust
import psutil

import flashcrowd
from flashcrowd.report.analysis import (
    find_first_failure,
    find_knee,
    find_saturation,
    knee_baseline_ms,
    tracking_error,
)
from flashcrowd.report.figures import figure_rows
from flashcrowd.report.views import read_site, run_views
from flashcrowd.results import latency
from flashcrowd.results.timeline import TimelineRow
from flashcrowd_common.errors import ExitCode

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder

VERDICTS = {
    ExitCode.OK: "passed",
    ExitCode.SLO_BREACHED: "slo_breached",
    ExitCode.TARGET_UNREACHABLE: "target_unreachable",
    ExitCode.GENERATOR_FAILURE: "generator_failure",
}


def build_summary(recorder: Recorder) -> dict[str, Any]:
    """Everything summary.json holds; see docs/reports.md for each field."""
    rows = recorder.rows
    totals = recorder.totals
    quantiles = latency.percentiles_ms(totals.histogram)
    ok_quantiles = latency.percentiles_ms(totals.ok_histogram)
    first_reset = recorder.first_reset_wall_s
    knee = find_knee(rows)
    duration_s = rows[-1].wall_s if rows else 0.0
    exit_code = recorder.exit_code
    site = read_site(recorder)
    return {
        "exit_code": int(exit_code),
        "verdict": VERDICTS[exit_code],
        "stopped_by": recorder.stopped_by,
        "first_reset": None if first_reset is None else moment(recorder, first_reset),
        "break": break_moments(recorder, first_reset),
        "knee": None if knee is None else moment(recorder, max(0.0, knee.wall_s - 1), knee),
        "knee_baseline_p95_ms": knee_baseline_ms(rows),
        "totals": {
            "duration_s": duration_s,
            "requests": totals.requests,
            "rps": totals.requests / duration_s if duration_s else 0.0,
            "failures": sum(totals.failures.values()),
            "failures_by_kind": dict(totals.failures),
            "failures_by_detail": dict(totals.details),
            "retries": totals.retries,
            "late_requests": recorder.late_requests,
            "p50_ms": quantiles.get(50.0),
            "p95_ms": quantiles.get(95.0),
            "p99_ms": quantiles.get(99.0),
            "p95_ok_ms": ok_quantiles.get(95.0),
            "p99_ok_ms": ok_quantiles.get(99.0),
            "max_ms": latency.max_ms(totals.histogram),
            "peak_achieved_users": max((row.achieved_users for row in rows), default=0),
            "peak_achieved_real_users": max((row.achieved_real_users for row in rows), default=0.0),
        },
        "slos": [verdict.as_dict() for verdict in recorder.verdicts],
        "tracking": tracking_error(rows, recorder.scenario.clock.wall_duration_s),
        "gaps": [vars(gap) for gap in recorder.gaps],
        **run_views(recorder, duration_s, site),
        "scenario": scenario_info(recorder, site),
        "role": recorder.role,
        "versions": {
            "flashcrowd": flashcrowd.__version__,
            "locust": locust.__version__,
            "python": platform.python_version(),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "memory_bytes": psutil.virtual_memory().total,
            "platform": platform.platform(),
        },
    }


def break_moments(recorder: Recorder, first_reset_s: float | None) -> dict[str, Any]:
    """The three moments an SRE asks for: saturation, the first failure (and its kind), the first reset."""
    rows = recorder.rows
    saturation = find_saturation(rows)
    failure = find_first_failure(rows)
    return {
        "saturation": None
        if saturation is None
        else {
            **moment(recorder, saturation.row.wall_s - 1, saturation.row),
            "max_served_rps": round(saturation.max_served_rps, 1),
            "light_rps_per_user": saturation.light_rps_per_user,
        },
        "first_failure": None
        if failure is None
        else {**moment(recorder, failure[0].wall_s - 1, failure[0]), "kind": failure[1]},
        "first_resets": None if first_reset_s is None else moment(recorder, first_reset_s),
    }


def moment(recorder: Recorder, wall_s: float, row: TimelineRow | None = None) -> dict[str, Any]:
    """A point of the run: wall clock, real-world clock, and the users present then (in ``row``)."""
    row = row or row_at(recorder.rows, wall_s)
    scale = recorder.scenario.scale or 1.0
    achieved = row.achieved_users if row else 0
    return {
        "wall_s": round(wall_s, 3),
        "real_time": recorder.real_time(wall_s),
        "sim_users": achieved,
        "real_users": round(achieved / scale, 1),
        "target_sim_users": row.target_users if row else 0.0,
    }


def row_at(rows: list[TimelineRow], wall_s: float) -> TimelineRow | None:
    """The row of the second containing ``wall_s`` (rows end at their ``wall_s``)."""
    return next((row for row in rows if row.wall_s >= wall_s), rows[-1] if rows else None)


def scenario_info(recorder: Recorder, site: dict[str, Any] | None = None) -> dict[str, Any]:
    scenario = recorder.scenario
    return {
        "name": scenario.name,
        "path": str(scenario.path),
        "scale": scenario.scale,
        "compress": scenario.clock.compress,
        "real_start": scenario.clock.start.isoformat(),
        "real_duration_s": scenario.clock.duration_s,
        "wall_duration_s": scenario.clock.wall_duration_s,
        "figures": figure_rows(scenario, recorder.rows, site),
    }


def write_summary(summary: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
