"""The record of a finished run: typed and immutable, what summary.json holds, plus its timeline.

``flashcrowd.results.build.build_record`` makes it from the recorder; summary.json
(``write_record``), the HTML report, junit.xml, pages.csv, ``flashcrowd run``'s closing lines
and ``flashcrowd compare`` read it. Fields are declared in summary.json's order, under its
names (docs/reports.md describes each), so ``to_json`` writes that document and ``from_json``
reads it back. Fields with a default are keys an earlier release did not write (and the timeline,
which summary.json leaves out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flashcrowd.breakpoint.answer import SearchAnswer
from flashcrowd.results.break_types import BreakAnswer, LoadPoint, When
from flashcrowd.results.codec import JSON_NAME, decode_fields, encode_fields
from flashcrowd.results.record_upgrade import RECORD_FORMAT, upgraded
from flashcrowd.results.timeline import TimelineRow


@dataclass(frozen=True, slots=True, kw_only=True)
class Moment(When):
    """A point of the run, and the users running then."""

    sim_users: int  # achieved simulated users
    real_users: float  # their real-world equivalent
    target_sim_users: float

    def point(self) -> LoadPoint:
        """This moment as a load point: its simulated visitors, their real-world equivalent, and when."""
        return LoadPoint(
            load=self.sim_users,
            users=self.sim_users,
            real_world={"concurrent_users": self.real_users},
            at=When(wall_s=self.wall_s, real_time=self.real_time),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class StoppedBy:
    """The breach that stopped the run early (``--stop-on-breach``)."""

    slo: str
    wall_s: float
    real_time: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Totals:
    """The whole run: requests, failures, retries, HDR latencies (None when nothing ended) and peak users."""

    duration_s: float
    requests: int
    rps: float
    failures: int
    failures_by_kind: Mapping[str, int]
    failures_by_detail: Mapping[str, int]
    retries: int
    late_requests: int  # reached the master after their second's row was written
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    p95_ok_ms: float | None  # of successful requests only
    p99_ok_ms: float | None
    max_ms: float | None
    peak_achieved_users: int
    peak_achieved_real_users: float

    @property
    def all_failed(self) -> bool:
        """Every request failed: such a run never passes, whatever its SLOs allow."""
        return 0 < self.requests == self.failures


@dataclass(frozen=True, slots=True, kw_only=True)
class Tls:
    """An https:// run: whether the site's certificate was verified, and what the handshakes cost."""

    verified: bool  # False: --insecure
    handshakes: int  # requests that opened a connection, and so waited for a handshake
    mean_handshake_ms: float | None
    share_of_latency: float | None  # the handshakes' time over every request's latency, summed

    def summary(self) -> str:
        """'certificate verified; 1,204 handshakes, mean 3.1 ms, 4.2% of latency'."""
        trust = "certificate verified" if self.verified else "certificate NOT verified (--insecure)"
        if not self.handshakes or self.mean_handshake_ms is None:
            return f"{trust}; no handshake"
        share = "" if self.share_of_latency is None else f", {self.share_of_latency:.1%} of latency"
        return f"{trust}; {self.handshakes:,} handshakes, mean {self.mean_handshake_ms:,.1f} ms{share}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Breach(When):
    """When an SLO was first breached, and its value over that window."""

    value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SloResult:
    """One SLO as the run judged it: its objective, its worst window and its first breach.

    ``worst`` is the worst value of any full window (None when the run was shorter than one);
    ``breached`` is what decides exit code 1, and ``first_breach`` when it happened.
    """

    name: str
    metric: str
    op: str
    threshold: float
    window_s: float
    worst: float | None  # None: no window could be judged
    worst_wall_s: float | None
    windows_judged: int
    breached: bool
    first_breach: Breach | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Tracking:
    """How closely achieved users followed the curve once ramps settled (simulated users)."""

    seconds_judged: int
    max_users: float | None
    mean_users: float | None
    max_relative: float | None
    mean_relative: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """A stretch of the run whose measurements are incomplete (a worker went missing...)."""

    start_wall_s: float
    end_wall_s: float | None  # None: it lasted to the end of the run
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PageFailure(When):
    """A page's first failure, and its kind.

    ``kind`` is the failure kind (http/classify.py) of the page's first failed request,
    so the report can say which page broke first and how.
    """

    kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PageStats:
    """One page (Locust's request name and method; retries count as their page) over the whole run."""

    name: str
    method: str
    requests: int
    rps: float
    failures: int
    error_rate: float | None
    failures_by_kind: Mapping[str, int]
    retries: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    first_failure: PageFailure | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FailedPage:
    """The page whose first failure came earliest, and the users running then."""

    name: str
    method: str
    wall_s: float
    real_time: str
    kind: str
    users: int  # simulated
    real_users: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityBin:
    """The seconds the run held about the same load: their mean users, responses a second (all, and
    successful ones), and their merged p95."""

    real_users: float
    users: float
    rps: float
    p95_ms: float | None
    seconds: int
    ok_rps: float | None = None  # successful responses a second (None in records written before it)


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteSecond:
    """One second as the bundled site counted it (by country), beside the sessions the visitors began."""

    wall_s: float
    sessions: Mapping[str, int]
    requests: Mapping[str, int]
    resets: int
    errors_5xx: int
    sessions_sent: Mapping[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginCheck:
    """An origin-share figure at its moment: the site's share, the visitors', the scenario's."""

    figure: str
    origin: str
    wall_s: float
    real_time: str
    window_s: float
    sessions: int
    sessions_sent: int
    site_share: float | None
    sent_share: float | None
    scenario_share: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ShareSecond:
    """One origin's share of the sessions begun in the last 5 s: counted, sent, and in the scenario's mix."""

    wall_s: float
    site_share: float | None
    sent_share: float | None
    scenario_share: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteView:
    """The bundled site's own view of the run (its analytics), beside what the visitors sent."""

    sessions: int | None
    requests: int | None
    sessions_by_country: Mapping[str, int] | None
    requests_by_country: Mapping[str, int] | None
    session_share_by_country: Mapping[str, float] | None
    resets: int | None
    errors_5xx: int | None
    sessions_sent_by_country: Mapping[str, int]
    timeline: tuple[SiteSecond, ...]
    origin_checks: tuple[OriginCheck, ...]
    share_origin: str | None
    share_timeline: tuple[ShareSecond, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureRow:
    """A documented figure beside the scenario's equivalent and this run's (None where a run cannot tell)."""

    id: str
    source: str
    text: str
    measure: Mapping[str, Any]  # its shape depends on the kind of figure
    documented: float
    documented_high: float | None
    modelled: bool  # False: cited only to check the scenario does not contradict it
    scenario_equivalent: float | None
    run_equivalent: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScenarioInfo:
    """The scenario as run: scale, compression, real-world span, and its documented figures."""

    name: str
    path: str
    scale: float
    compress: float
    real_start: str
    real_duration_s: float
    wall_duration_s: float
    figures: tuple[FigureRow, ...]
    timezone: str | None = None  # the clock's IANA zone, e.g. America/Toronto


@dataclass(frozen=True, slots=True, kw_only=True)
class Machine:
    cpus: int | None
    memory_bytes: int
    platform: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """Everything a finished run measured and concluded; see the module docstring."""

    format: int = RECORD_FORMAT  # summary.json's layout; record_upgrade.py reads earlier ones
    exit_code: int  # 0, 1, 3 or 4 (flashcrowd_common.errors.ExitCode)
    verdict: str  # passed, slo_breached, target_unreachable, generator_failure
    stopped_by: StoppedBy | None
    first_reset: Moment | None
    # Saturation, first failure, first resets: the timeline's, or find-break's three loads when a
    # search ran (the same objects as ``find_break``'s, so the two cannot disagree).
    break_answer: BreakAnswer | None = field(default=None, metadata={JSON_NAME: "break"})
    # find-break's whole answer (its steps, settings...): find-break.json is written from it.
    find_break: SearchAnswer | None = None
    knee: LoadPoint | None  # the timeline's, or find-break's
    knee_baseline_p95_ms: float | None
    totals: Totals
    slos: tuple[SloResult, ...]
    tracking: Tracking
    gaps: tuple[Gap, ...]
    started_at: float | None = None  # epoch seconds of the run's clock 0
    generator_limit: str | None = None  # why the load generator, not the site, was the limit
    pages: tuple[PageStats, ...] = ()  # most requested first
    first_failed_page: FailedPage | None = None
    capacity: tuple[CapacityBin, ...] = ()
    site: SiteView | None = None
    tls: Tls | None = None  # None: plain HTTP
    scenario: ScenarioInfo
    role: str  # local or master
    versions: Mapping[str, str]  # flashcrowd, locust, python
    machine: Machine
    # A row a second; timeline.csv holds them, summary.json does not (a record read back has none).
    timeline: tuple[TimelineRow, ...] = field(default=(), metadata={JSON_NAME: None})

    def to_json(self) -> dict[str, Any]:
        """The summary.json document, as JSON values."""
        return encode_fields(self)

    @classmethod
    def from_json(cls, data: Any) -> RunRecord:
        """The record a summary.json document of any format holds; FormatError names the first key
        that does not fit."""
        return decode_fields(cls, upgraded(data))


def read_record(path: Path) -> RunRecord:
    """The record in a summary.json file; OSError, or ValueError (FormatError) if it is not one."""
    return RunRecord.from_json(json.loads(path.read_text(encoding="utf-8")))


def write_record(record: RunRecord, path: Path) -> None:
    """summary.json."""
    # default=str: a figure's measure may hold a date the scenario's YAML gave unquoted.
    path.write_text(json.dumps(record.to_json(), indent=2, default=str) + "\n", encoding="utf-8")
