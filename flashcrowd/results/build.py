"""The run record from a finished recorder: totals, verdicts, the break answer, per page, against load,
the site's own view and the scenario's figures (docs/reports.md describes each field)."""

from __future__ import annotations

import os
import platform
from typing import TYPE_CHECKING

import locust
import psutil

import flashcrowd
from flashcrowd.results import latency
from flashcrowd.results.analysis import (
    Sample,
    find_first_failure,
    find_knee,
    find_saturation,
    first_failure_at,
    knee_baseline_ms,
    timeline_samples,
)
from flashcrowd.results.break_types import BreakAnswer, FirstResets, LoadPoint
from flashcrowd.results.capacity import capacity_bins
from flashcrowd.results.figures import figure_rows
from flashcrowd.results.pacing import pacing
from flashcrowd.results.page_stats import first_failed_page, page_stats
from flashcrowd.results.record import (
    Machine,
    Moment,
    RunRecord,
    ScenarioInfo,
    SiteView,
    Tls,
    Totals,
)
from flashcrowd.results.settled import relaxation_s, settled_load
from flashcrowd.results.site import fetch_analytics, site_view
from flashcrowd.results.timeline import TimelineRow, row_at
from flashcrowd.results.tracking import tracking_error
from flashcrowd.results.verdict import VERDICTS

if TYPE_CHECKING:
    from flashcrowd.results.recorder import Recorder


def build_record(recorder: Recorder) -> RunRecord:
    """Everything the recorder measured, and what it concludes; call it once the recorder has finished.

    Against the bundled site (``recorder.site_url``), it reads the site's analytics first.
    """
    rows = recorder.rows
    duration_s = rows[-1].wall_s if rows else 0.0
    exit_code = recorder.exit_code
    generator_limit = recorder.generator_limit
    first_reset = recorder.first_reset_wall_s
    samples = timeline_samples(rows)
    # A search's timeline climbs and falls step by step: its steps, not its seconds, tell the answer.
    search = recorder.search_answer() if recorder.search_answer else None
    if search:
        found, knee = search.loads(), search.knee
    else:  # a generator that was the limit says nothing about where the site saturated or failed
        found = None if generator_limit else break_answer(recorder, samples, first_reset)
        knee = knee_point(recorder, samples)
    site = read_site(recorder)
    pages = page_stats(recorder, duration_s)
    return RunRecord(
        exit_code=int(exit_code),
        verdict=VERDICTS[exit_code],
        stopped_by=recorder.stopped_by,
        first_reset=None if first_reset is None else moment(recorder, first_reset),
        break_answer=found,
        find_break=search,
        knee=knee,
        knee_baseline_p95_ms=None if search else knee_baseline_ms(samples),
        totals=totals(recorder, duration_s),
        slos=tuple(verdict.result() for verdict in recorder.verdicts),
        tracking=tracking_error(rows, recorder.scenario.clock.wall_duration_s),
        gaps=tuple(recorder.gaps),
        started_at=recorder.started_at,
        generator_limit=generator_limit,
        pages=pages,
        first_failed_page=first_failed_page(pages, rows),
        capacity=capacity_bins(rows, recorder.timeline.histograms),
        site=site,
        tls=tls_figures(recorder),
        scenario=scenario_info(recorder, site),
        role=recorder.role,
        versions={
            "flashcrowd": flashcrowd.__version__,
            "locust": locust.__version__,
            "python": platform.python_version(),
        },
        machine=Machine(
            cpus=os.cpu_count(), memory_bytes=psutil.virtual_memory().total, platform=platform.platform()
        ),
        timeline=tuple(rows),
    )


def tls_figures(recorder: Recorder) -> Tls | None:
    """For an https:// run: whether the certificate was verified and the handshakes' share of latency."""
    environment = recorder.environment
    if not str(environment.host or "").startswith("https:"):
        return None
    tally = recorder.totals
    latency_ms = (latency.mean_ms(tally.histogram) or 0.0) * tally.requests
    return Tls(
        verified=not getattr(environment.parsed_options, "insecure", False),
        handshakes=tally.handshakes,
        mean_handshake_ms=tally.handshake_ms / tally.handshakes if tally.handshakes else None,
        share_of_latency=tally.handshake_ms / latency_ms if latency_ms else None,
    )


def totals(recorder: Recorder, duration_s: float) -> Totals:
    """The whole run's requests, failures, retries and latencies, and the most users it held."""
    tally, rows = recorder.totals, recorder.rows
    return Totals(
        duration_s=duration_s,
        requests=tally.requests,
        rps=tally.requests / duration_s if duration_s else 0.0,
        failures=sum(tally.failures.values()),
        failures_by_kind=dict(tally.failures),
        failures_by_detail=dict(tally.details),
        retries=tally.retries,
        late_requests=recorder.late_requests,
        **latency.percentile_fields(tally.histogram, tally.ok_histogram),
        max_ms=latency.max_ms(tally.histogram),
        peak_achieved_users=max((row.achieved_users for row in rows), default=0),
        peak_achieved_real_users=max((row.achieved_real_users for row in rows), default=0.0),
    )


def break_answer(recorder: Recorder, samples: list[Sample], first_reset_s: float | None) -> BreakAnswer:
    """The three loads an SRE asks for, on the timeline (``samples``, a second each): saturation, the
    first failure (and its kind), the first reset."""
    rows = recorder.rows
    saturation = find_saturation(samples, pacing=pacing(recorder.scenario))
    failure = find_first_failure(samples)
    saturated_at = None if saturation is None else saturation.load
    return BreakAnswer(
        saturation=None
        if saturation is None
        else saturation.saturation(
            reached(recorder, saturation.load, saturation.peak_index).point(), samples, "visitor"
        ),
        first_failure=None
        if failure is None
        else first_failure_at(
            settled_moment(recorder, rows[failure], saturated_at).point(), samples[failure]
        ),
        first_resets=None
        if first_reset_s is None
        else FirstResets(
            **settled_moment(recorder, row_at(rows, first_reset_s), saturated_at).point().place(),
            evidence=f"the first connection reset, {first_reset_s:.3f} s into the run",
        ),
    )


def knee_point(recorder: Recorder, samples: list[Sample]) -> LoadPoint | None:
    """Where the timeline's p95 started to rise for good (results/analysis.py): that second's start."""
    knee = find_knee(samples)
    if knee is None:
        return None
    row = recorder.rows[knee]
    return moment(recorder, row.wall_s - 1, row).point()


def settled_moment(recorder: Recorder, row: TimelineRow | None, saturation: float | None) -> Moment:
    """A failure in ``row``'s second, placed at the load the site's queue had settled to then (see
    results/settled.py: on a compressed curve the queue past ``saturation`` lags the users by the
    visitors' think), at the moment the visitors reached that load."""
    if row is None:
        return moment(recorder, 0.0)
    rows = recorder.rows
    load = settled_load(rows, row, relaxation_s(recorder.scenario), saturation)
    if load is None:
        return moment(recorder, row.wall_s - 1, row)
    return reached(recorder, load, rows.index(row))


def reached(recorder: Recorder, sim_users: float, fallback: int) -> Moment:
    """The moment the visitors first reached ``sim_users``, between the counts at the start and end of
    that second, with that load as its users: a fast ramp's end-of-second count would overshoot it.
    The row ``fallback`` if they never did."""
    rows = recorder.rows
    index = next((i for i, row in enumerate(rows) if row.achieved_users >= sim_users), None)
    if index is None:
        return moment(recorder, rows[fallback].wall_s - 1, rows[fallback])
    row = rows[index]
    start_s, start_users = (rows[index - 1].wall_s, rows[index - 1].achieved_users) if index else (0.0, 0)
    rise = row.achieved_users - start_users
    wall_s = start_s + (row.wall_s - start_s) * ((sim_users - start_users) / rise if rise > 0 else 1.0)
    return Moment(
        wall_s=round(wall_s, 3),
        real_time=recorder.real_time(wall_s),
        sim_users=round(sim_users),
        real_users=round(sim_users / (recorder.scenario.scale or 1.0), 1),
        target_sim_users=row.target_users,
    )


def moment(recorder: Recorder, wall_s: float, row: TimelineRow | None = None) -> Moment:
    """A point of the run: wall clock, real-world clock, and the users present then (in ``row``, else in
    the row of the second that holds ``wall_s``). Never before the run's start: a first row shorter than
    a second would otherwise put it on the clock before the curve began."""
    wall_s = max(0.0, wall_s)
    row = row or row_at(recorder.rows, wall_s)
    achieved = row.achieved_users if row else 0
    return Moment(
        wall_s=round(wall_s, 3),
        real_time=recorder.real_time(wall_s),
        sim_users=achieved,
        real_users=round(achieved / (recorder.scenario.scale or 1.0), 1),
        target_sim_users=row.target_users if row else 0.0,
    )


def read_site(recorder: Recorder) -> SiteView | None:
    """The bundled site's view of the run, if the recorder was told where to read it and it answered."""
    if not recorder.site_url or recorder.started_at is None:
        return None
    analytics = fetch_analytics(recorder.site_url)
    if analytics is None:
        return None
    return site_view(analytics, recorder.started_at, recorder.scenario, recorder.sessions_sent.seconds)


def scenario_info(recorder: Recorder, site: SiteView | None) -> ScenarioInfo:
    """The scenario as run, and its documented figures beside the run's equivalents."""
    scenario = recorder.scenario
    return ScenarioInfo(
        name=scenario.name,
        path=str(scenario.path),
        scale=scenario.scale,
        compress=scenario.clock.compress,
        real_start=scenario.clock.real_time(0).isoformat(),
        real_duration_s=scenario.clock.span_s,
        wall_duration_s=scenario.clock.wall_duration_s,
        figures=figure_rows(scenario, recorder.rows, site),
        timezone=getattr(scenario.clock.start.tzinfo, "key", None),
    )
