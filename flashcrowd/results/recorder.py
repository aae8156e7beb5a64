"""The recorder: what a run measured, a second at a time, merged from every worker.

Made on ``events.init`` of every Locust process (``flashcrowd.in_locust.recording.attach``).
A worker only tallies its requests per epoch second (``flashcrowd.results.tally``), per page
(run totals, ``flashcrowd.results.pages``) and the sessions its visitors began
(``flashcrowd.results.sessions_sent``), and ships them with each report to the master. The
local runner or the master merges the tallies, appends one timeline row a second to
``timeline.csv``, judges the scenario's SLOs over sliding windows (``flashcrowd.results.slo``),
prints a progress line, and at ``quitting`` finishes: ``on_finish`` then builds the run's
record from it (``flashcrowd.results.build``) and writes the files.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gevent
from locust.env import Environment
from locust.runners import WORKER_REPORT_INTERVAL, MasterRunner, WorkerRunner

from flashcrowd.http.classify import CLIENT_LIMIT_DETAILS
from flashcrowd.http.http_client import TLS_HANDSHAKE_MS
from flashcrowd.in_locust.locust_options import CONTEXT_ATTRIBUTE
from flashcrowd.in_locust.loop_lag import LoopLag
from flashcrowd.results import latency
from flashcrowd.results.pages import PageTallies
from flashcrowd.results.progress import progress_line
from flashcrowd.results.record import Gap, StoppedBy
from flashcrowd.results.sessions_sent import SessionsSent
from flashcrowd.results.slo import SloJudge, SloVerdict
from flashcrowd.results.tally import SecondTally
from flashcrowd.results.timeline import TimelineCsv, TimelineRow
from flashcrowd.results.verdict import run_exit_code
from flashcrowd.results.window import WindowedTimeline, WindowStats
from flashcrowd.scenario.model import Scenario
from flashcrowd_common.errors import ExitCode

if TYPE_CHECKING:
    from locust.rpc import Message

    from flashcrowd.breakpoint.answer import SearchAnswer
    from flashcrowd.results.live_metrics import LiveMetrics

logger = logging.getLogger(__name__)

REPORT_KEY = "flashcrowd"  # our part of a worker's report to the master
COUNTS_FROM_MESSAGE = (
    "flashcrowd_counts_from"  # master -> workers: requests started before this are not counted
)
PAGES_KEY = "flashcrowd_pages"  # the per-page tallies in that report
SESSIONS_KEY = "flashcrowd_sessions"  # the sessions visitors started, by origin and second
# A row waits this long for late events: none locally; on a master, until every
# worker has sent the report that holds that second.
LOCAL_LAG_S = 0
MASTER_LAG_S = math.ceil(WORKER_REPORT_INTERVAL) + 2
PROGRESS_EVERY_S = 5
# A loop this late stretches latencies and the spawn of visitors by as much: the figures are the generator's.
LOOP_LAG_LIMIT_S = 1.0


class Recorder:
    """Collects one run's measurements on one Locust process; see the module docstring."""

    def __init__(
        self,
        environment: Environment,
        scenario: Scenario,
        out_dir: Path,
        *,
        stop_on_breach: bool = False,
        progress_every_s: float = PROGRESS_EVERY_S,
        on_finish: Callable[[Recorder], None] | None = None,
        sample: bool = True,
    ) -> None:
        self.environment = environment
        self.scenario = scenario
        self.out_dir = Path(out_dir)
        self.stop_on_breach = stop_on_breach
        self.progress_every_s = progress_every_s
        self.on_finish = on_finish  # once the run has finished: write its files from its record
        self.sample = sample  # False: the caller writes the rows (write_rows_until), as tests do
        runner = environment.runner
        self.role = (
            "worker"
            if isinstance(runner, WorkerRunner)
            else "master"
            if isinstance(runner, MasterRunner)
            else "local"
        )
        self.lag_s = MASTER_LAG_S if self.role == "master" else LOCAL_LAG_S
        self.timeline = WindowedTimeline()
        self.totals = SecondTally()
        self.pages = PageTallies()  # run totals per page
        self.sessions_sent = SessionsSent()  # by origin and epoch second
        self.slos = SloJudge(scenario.slos)
        self.gaps: list[Gap] = []
        self.busy_workers: list[str] = []  # workers whose heartbeats stopped while their loop was busy
        self.loop_lag: LoopLag | None = None  # set by the locustfile on the process that records
        self.late_requests = 0  # reached the master after their second's row was written
        self.stopped_by: StoppedBy | None = None  # the breach that stopped the run early
        self.site_url: str | None = None  # the bundled target, whose analytics are read at the end
        # find-break's answer, once its search ends: the run's answer (find-break's set-up gives it)
        self.search_answer: Callable[[], SearchAnswer] | None = None
        self.live: LiveMetrics | None = None  # Prometheus figures: every row shown, every request counted
        self.started_at: float | None = None  # epoch seconds at which the shape's clock started
        self.counts_from: float | None = None  # requests started before this epoch second are not counted
        self.finished = False
        self._pending: dict[int, SecondTally] = {}
        self._users: dict[int, tuple[float, int]] = {}
        self._last_users: tuple[float, int] = (0.0, 0)
        self._next_second: int | None = None
        self._sampler: gevent.Greenlet | None = None
        self._csv: TimelineCsv | None = None

        context = getattr(environment, CONTEXT_ATTRIBUTE, None)  # locust_options.install's, if any
        if context is not None:
            context.on_request_start = self._on_request_start
        events = environment.events
        events.request.add_listener(self._on_request)
        if self.role == "worker":
            events.report_to_master.add_listener(self._ship)
            runner.register_message(COUNTS_FROM_MESSAGE, self._on_counts_from_message)
            return
        if self.role == "master":
            events.worker_report.add_listener(self.receive_worker_report)
        events.test_start.add_listener(self._on_test_start)
        events.quitting.add_listener(self._on_quitting)

    # -- collecting -------------------------------------------------------------------------

    def count_from(self, epoch_s: float) -> None:
        """From now on, a request that started before ``epoch_s`` is not counted (on every process).

        find-break calls it as each step begins, so what a step measures is its own load only.
        """
        self._set_counts_from(epoch_s)
        if self.role == "master":
            self.environment.runner.send_message(COUNTS_FROM_MESSAGE, epoch_s)

    def _set_counts_from(self, epoch_s: float) -> None:
        self.counts_from = epoch_s

    def _on_counts_from_message(self, environment: Environment, msg: Message, **_: Any) -> None:
        """A worker learns where the master's step began (Locust passes both by keyword)."""
        self._set_counts_from(msg.data)

    def _on_request_start(self, context: Mapping[str, object] | None) -> None:
        now = time.time()
        second = int(now)
        if not self._written(second):
            self._tally_for(second).started += 1
        # Noted as it is sent: the site counts a session on arrival, even if the run ends before it answers.
        self.sessions_sent.note(context, now)

    def _on_request(
        self,
        response_time: float,
        exception: BaseException | None = None,
        context: Mapping[str, object] | None = None,
        request_type: str = "",
        name: str = "",
        start_time: float | None = None,
        **_: object,
    ) -> None:
        now = time.time()
        if self.counts_from is not None and start_time is not None and start_time < self.counts_from:
            self._carry_over(int(now))
            return
        latency_ms = latency.measured_latency_ms(response_time or 0.0, context, now)
        retry = bool(context and context.get("retry"))
        handshake_ms = float(context.get(TLS_HANDSHAKE_MS, 0.0)) if context else 0.0
        self._absorb_event(latency_ms, exception, retry, now, handshake_ms)
        self.pages.add(request_type, name, latency_ms, exception, retry, now)

    def _absorb_event(
        self, latency_ms: float, exception: BaseException | None, retry: bool, at: float, handshake_ms: float
    ) -> None:
        second = int(at)
        if self._written(second):
            late = SecondTally()
            late.add(latency_ms, exception, retry, at, handshake_ms)
            self._absorb_late(late)
            return
        self._tally_for(second).add(latency_ms, exception, retry, at, handshake_ms)

    def _carry_over(self, second: int) -> None:
        if not self._written(second):
            self._tally_for(second).carried_over += 1

    def _written(self, second: int) -> bool:
        """Whether that second's row is out already (what still arrives for it counts in the totals only)."""
        return self._next_second is not None and second < self._next_second

    def _tally_for(self, second: int) -> SecondTally:
        # Not setdefault: a tally's histogram is 170 kB, too much to build for every request.
        tally = self._pending.get(second)
        if tally is None:
            tally = self._pending[second] = SecondTally()
        return tally

    def _absorb_late(self, tally: SecondTally) -> None:
        self._count(tally)
        self.late_requests += tally.requests

    def _count(self, tally: SecondTally) -> None:
        """Add ``tally`` to the run's totals, and to the live counters, which hold the same requests."""
        self.totals.merge(tally)
        if self.live is not None:
            self.live.count(tally)

    def _ship(self, client_id: str, data: dict[str, Any]) -> None:
        """Worker: hand every tally so far to the report Locust is about to send, then forget them."""
        pending, self._pending = self._pending, {}
        data[REPORT_KEY] = {str(second): tally.to_wire() for second, tally in pending.items()}
        data[PAGES_KEY] = self.pages.drain_wire()
        data[SESSIONS_KEY] = self.sessions_sent.drain_wire()

    def receive_worker_report(self, client_id: str, data: dict[str, Any]) -> None:
        """Master: merge a worker's tallies into the seconds they belong to."""
        for key, wire in data.get(REPORT_KEY, {}).items():
            second, tally = int(key), SecondTally.from_wire(wire)
            if self._written(second):
                self._absorb_late(tally)
            else:
                self._tally_for(second).merge(tally)
        self.pages.merge_wire(data.get(PAGES_KEY, []))
        self.sessions_sent.merge_wire(data.get(SESSIONS_KEY, {}))

    # -- the timeline -----------------------------------------------------------------------

    def _on_test_start(self, **_: object) -> None:
        if self.started_at is not None:
            return
        shape = self.environment.shape_class
        now = time.time()
        self.started_at = now - shape.get_run_time() if shape is not None else now
        self._next_second = int(self.started_at)
        self._csv = TimelineCsv(self.out_dir / "timeline.csv")
        if self.sample:
            self._sampler = gevent.spawn(self._sample_every_second)

    def _sample_every_second(self) -> None:
        while True:
            gevent.sleep(1.0 - time.time() % 1.0 + 0.01)
            now = int(time.time())
            self._users[now - 1] = self._last_users = self._current_users()
            self.write_rows_until(now - 1 - self.lag_s)

    def _current_users(self) -> tuple[float, int]:
        """(target, achieved) simulated users right now."""
        runner = self.environment.runner
        shape = self.environment.shape_class
        target = getattr(shape, "last_target_users", None)
        if target is None:
            target = runner.target_user_count or 0
        return float(target), int(runner.user_count)

    def write_rows_until(self, last_second: int) -> None:
        """Write the timeline's rows up to ``last_second`` (epoch), each with what reached it so far."""
        assert self._next_second is not None
        while self._next_second <= last_second:
            self._emit(self._next_second)
            self._next_second += 1

    def _emit(self, second: int) -> None:
        assert self.started_at is not None and self._csv is not None
        tally = self._pending.pop(second, None) or SecondTally()
        target, achieved = self._users.pop(second, self._last_users)
        # A row stands at the end of its second; at the finish, the second cut short stands at the stop.
        end = max(second, min(second + 1, time.time())) if self.finished else second + 1
        wall_s = round(end - self.started_at, 3)
        scale = self.scenario.scale or 1.0
        row = TimelineRow(
            wall_s=wall_s,
            real_time=self.real_time(wall_s),
            target_users=target,
            achieved_users=achieved,
            target_real_users=target / scale,
            achieved_real_users=achieved / scale,
            requests=tally.requests,
            started=tally.started,
            carried_over=tally.carried_over,
            failures=dict(tally.failures),
            retries=tally.retries,
            **latency.percentile_fields(tally.histogram, tally.ok_histogram),
        )
        self.timeline.append(row, latency.encode(tally.histogram), latency.encode(tally.ok_histogram))
        self._count(tally)
        self._csv.append(row)
        if self.live is not None:
            self.live.show(row)
        self._judge_slos(row)
        if self.progress_every_s and len(self.rows) % max(1, round(self.progress_every_s)) == 0:
            self._print_progress(row)

    def real_time(self, wall_s: float) -> str:
        """The real-world moment the scenario's curve stands at ``wall_s`` (ISO 8601 with offset)."""
        return self.scenario.clock.real_time(wall_s).isoformat(timespec="seconds")

    def wall_s_of(self, epoch_s: float) -> float:
        """Seconds into the run at epoch ``epoch_s``."""
        assert self.started_at is not None
        return round(epoch_s - self.started_at, 3)

    # -- what others ask ------------------------------------------------------------------------

    @property
    def rows(self) -> list[TimelineRow]:
        """The timeline so far, a row a second."""
        return self.timeline.rows

    @property
    def verdicts(self) -> list[SloVerdict]:
        """Each of the scenario's SLOs as judged so far."""
        return self.slos.verdicts

    def window(self, seconds: float) -> WindowStats:
        """The last ``seconds`` of the timeline merged (fewer if the run is younger).

        The timeline trails the clock by ``lag_s`` seconds (a master waits for its workers' reports).
        """
        return self.timeline.window(seconds)

    def mark_gap(self, start_wall_s: float, end_wall_s: float | None, reason: str) -> None:
        """Note a stretch whose measurements are incomplete; ``end_wall_s`` None while it lasts.

        Calling again with the same start and reason closes (or updates) that gap.
        """
        for index, gap in enumerate(self.gaps):
            if gap.start_wall_s == start_wall_s and gap.reason == reason:
                self.gaps[index] = replace(gap, end_wall_s=end_wall_s)
                return
        self.gaps.append(Gap(start_wall_s=start_wall_s, end_wall_s=end_wall_s, reason=reason))

    def drop_gap(self, start_wall_s: float, reason: str) -> None:
        """Forget the gap ``mark_gap`` opened at ``start_wall_s`` for ``reason`` (it turned out whole)."""
        self.gaps = [g for g in self.gaps if (g.start_wall_s, g.reason) != (start_wall_s, reason)]

    def end_early(self, reason: str) -> None:
        """The run is ending before its curve does: what is left of the curve is a gap, not a pass."""
        if self.started_at is not None and not self.finished:
            now_s = self.wall_s_of(time.time())
            self.mark_gap(now_s, None, f"{reason} ended the run at {now_s:.0f} s, before its curve's end")

    @property
    def first_reset_wall_s(self) -> float | None:
        """When the first connection reset happened, in seconds into the run."""
        first = self.totals.first_reset
        return None if first is None or self.started_at is None else self.wall_s_of(first)

    @property
    def exit_code(self) -> ExitCode:
        """Passed, SLO breached, incomplete (a gap), or - when nothing got through at all - why not."""
        return run_exit_code(
            self.totals,
            self.rows,
            gaps=bool(self.gaps),
            breached=any(verdict.breached for verdict in self.verdicts),
            crashed=bool(self.environment.runner.exceptions),
            generator_limited=self.generator_limit is not None,
        )

    @property
    def generator_limit(self) -> str | None:
        """Why the load generator, not the site, was the limit (its own failures, a loop that fell behind,
        workers too busy to report); None if it kept up."""
        own = {k: n for k, n in self.totals.details.items() if k in CLIENT_LIMIT_DETAILS and n}
        reasons = [f"{sum(own.values()):,} requests failed on its own limits ({_listed(own)})"] if own else []
        lag_s = self.loop_lag.max_s if self.loop_lag is not None else 0.0
        if lag_s > LOOP_LAG_LIMIT_S:
            reasons.append(f"its event loop fell up to {lag_s:.1f} s behind")
        reasons += self.busy_workers
        if not reasons:
            return None
        runner = self.environment.runner
        if getattr(runner, "cpu_warning_emitted", False) or getattr(
            runner, "worker_cpu_warning_emitted", False
        ):
            reasons.append("Locust warned that its CPU usage went above 90 %")
        return "; ".join(reasons)

    # -- SLOs and progress --------------------------------------------------------------------

    def _judge_slos(self, row: TimelineRow, final: bool = False) -> None:
        for verdict in self.slos.judge(row, self.timeline, final=final):
            if self.stop_on_breach:
                self._stop_for(verdict, row)

    def _stop_for(self, verdict: SloVerdict, row: TimelineRow) -> None:
        if self.stopped_by is not None or self.finished:
            return
        self.stopped_by = StoppedBy(slo=verdict.slo.name, wall_s=row.wall_s, real_time=row.real_time)
        logger.warning(
            "SLO %s breached at %.0f s; stopping the run (stop on breach)", verdict.slo.name, row.wall_s
        )
        # quit() kills the runner's greenlets and waits for them, so it must not run in ours.
        gevent.spawn(self.environment.runner.quit)

    def _print_progress(self, row: TimelineRow) -> None:
        stats = self.window(self.progress_every_s)
        left = self.scenario.clock.wall_duration_s - self.wall_s_of(time.time())  # the row may lag the clock
        print(progress_line(row, stats, left), file=sys.stderr, flush=True)

    # -- the end --------------------------------------------------------------------------------

    def _on_quitting(self, environment: Environment, **_: object) -> None:
        self.finish()
        environment.process_exit_code = int(self.exit_code)

    def finish(self) -> None:
        """Write out the remaining seconds, judge the SLOs a last time, then hand over to ``on_finish``;
        safe to call more than once."""
        if self.finished:
            return
        self.finished = True
        if self._sampler is not None:
            self._sampler.kill(block=False)
        if self._next_second is not None:
            self.write_rows_until(max([int(time.time()) - 1, *self._pending]))
            if self.rows:
                self._judge_slos(self.rows[-1], final=True)
        if self._csv is not None:
            self._csv.close()
        if self.on_finish is not None:
            self.on_finish(self)


def _listed(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{count:,} {name}" for name, count in sorted(counts.items(), key=lambda kv: -kv[1]))
