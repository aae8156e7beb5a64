"""The Locust load shape that runs the search: each tick holds the current step's load or moves to the next.

Before the first step it measures the idle site's latency (drain.py). A step
holds its load for a warm-up, then a measuring window, then waits ``settle_s``
for the window's figures to reach this process (a master hears from its
workers every few seconds). Requests sent before the step began are not
counted in it. A window with too few requests to judge is lengthened, up to
``MAX_WINDOWS`` windows. A step is judged on the recorder's merged window and
the generator's own counters; the search then names the next load. After a
failing step the load drops to zero until the site has drained the backlog
the step left, up to the drain cap; a step that would start on an undrained
site is not run but reported inconclusive.
Because it only sets Locust's user count, ``--processes`` and master/worker
runs need nothing else.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import gevent
from locust import LoadTestShape, User

from flashcrowd.breakpoint import guard
from flashcrowd.breakpoint.answer import SearchAnswer
from flashcrowd.breakpoint.criteria import MIN_JUDGED_REQUESTS, UNDRAINED, StepMeasure, Verdict
from flashcrowd.breakpoint.drain import Backlog, Drained, DrainProbe
from flashcrowd.breakpoint.prediction import Prediction
from flashcrowd.breakpoint.probe import GeneratorProbe
from flashcrowd.breakpoint.result import build_answer
from flashcrowd.breakpoint.search import BreakSearch, DrainForecast, no_drain
from flashcrowd.breakpoint.settings import MAX_WINDOWS, FindBreakSettings
from flashcrowd.load_models.curve_shape import spawn_rate
from flashcrowd.results.recorder import Recorder
from flashcrowd.results.window import WindowStats


@dataclass
class _Step:
    users: int
    began_s: float
    window_start_s: float
    judge_s: float
    drain_s: float
    drained_for: Backlog | None  # the backlog of the failing step before it, when the site was drained
    windows: int = 1
    generator_before: dict[str, guard.GeneratorSample] | None = None


class BreakShape(LoadTestShape):
    """Runs a :class:`BreakSearch`; Locust builds it bare, the locustfile calls :meth:`configure` at init."""

    abstract = False

    def __init__(self) -> None:
        super().__init__()
        self.last_target_users = 0  # read by the recorder
        self.measured: list[tuple[StepMeasure, Verdict]] = []
        self.answer: SearchAnswer | None = None  # once the search has ended
        self._step: _Step | None = None
        self._tick: tuple[int, float, list[type[User]]] | None = None
        self._pause: gevent.Greenlet | None = None  # calibrating or draining at zero load
        self._next_users = 0
        self._backlog = Backlog(0, 0.0)  # what the last failing step left for the drain

    def configure(
        self,
        settings: FindBreakSettings,
        user_class: type[User],
        recorder: Recorder,
        probe: GeneratorProbe,
        drain: DrainProbe,
        prediction: Prediction | None,
    ) -> None:
        self.settings = settings
        self.search = BreakSearch(settings.plan, self._drain_forecast)
        self.user_class = user_class
        self.recorder = recorder
        self.probe = probe
        self.drain = drain
        self.prediction = prediction

    def tick(self) -> tuple[int, float, list[type[User]]] | None:
        now = self.get_run_time()
        if self.answer is not None:
            return None
        if self._pause is not None:
            if not self._pause.ready():
                return self._tick
            drained, self._pause = self._pause.value, None
            return self._after_pause(drained, now)
        step = self._step
        if step is None:
            return self._next(now, pause=self._calibrate)
        if step.generator_before is None and now >= step.window_start_s:
            step.generator_before = self.probe.snapshot()
        if now < step.judge_s:
            return self._tick
        if self._too_few_to_judge(step):
            step.windows += 1
            step.judge_s += self.settings.timing.window_s
            return self._tick
        verdict = self._judge(step)
        return self._next(now, pause=self._wait_until_drained if verdict.failed else None)

    def _too_few_to_judge(self, step: _Step) -> bool:
        """Whether the window so far holds too few requests to judge, and the step may still be lengthened."""
        stats = self.recorder.window(step.windows * self.settings.timing.window_s)
        return max(stats.started, stats.requests) < MIN_JUDGED_REQUESTS and step.windows < MAX_WINDOWS

    def _calibrate(self) -> Drained:
        """Before the first step: the idle site needs no draining, only its baseline latency."""
        return Drained(True, 0.0, self.drain.calibrate())

    def _wait_until_drained(self) -> Drained:
        return self.drain.wait_until_drained(self.settings.plan.max_drain_s)

    def _drain_forecast(self, users: int) -> DrainForecast:
        """How long the site would take to drain after a failing step of ``users``, from the steps so far.

        Users send what they sent at light load (the most per user of any step); what the site cannot
        serve at the best throughput measured queues for the whole step (closed model: at most one
        request a visitor).
        """
        judged = [m for m, v in self.measured if not v.inconclusive and m.seconds and m.load]
        if not judged:
            return no_drain(users)
        per_user = max(m.sent_rps / m.load for m in judged)
        throughput = max(m.throughput_rps for m in judged)
        left = max(per_user * users - throughput, 0.0) * self.settings.timing.hold_s
        if self.settings.units.model == "closed":
            left = min(left, users)
        backlog = Backlog(round(left), throughput)
        units = self.settings.units
        return DrainForecast(
            backlog.seconds, f"a step at {units.offered(users):g} {units.unit} would leave {backlog}"
        )

    def _next(
        self, now: float, pause: Callable[[], Drained] | None = None
    ) -> tuple[int, float, list[type[User]]] | None:
        users = self.search.next_load(now)
        if users is None:
            self.finish()
            return None
        if pause is None:
            return self._begin(users, now, Drained(True, 0.0, None))
        self._step, self._next_users = None, users
        self._pause = gevent.spawn(pause)
        return self._hold(0)

    def _after_pause(self, drained: Drained, now: float) -> tuple[int, float, list[type[User]]] | None:
        if not drained.drained:
            self._record_undrained(drained)
            return self._next(now, pause=self._wait_until_drained)
        if self.search.next_load(now) is None:  # the drain spent the time budget
            self.finish()
            return None
        return self._begin(self._next_users, now, drained)

    def _begin(self, users: int, now: float, drained: Drained) -> tuple[int, float, list[type[User]]]:
        timing = self.settings.timing
        window_start = now + timing.warmup_s
        self._step = _Step(
            users,
            now,
            window_start,
            window_start + timing.window_s + timing.settle_s,
            drained.seconds,
            self._backlog if drained.seconds else None,
        )
        self.recorder.count_from(time.time())  # what earlier steps sent is not this step's
        return self._hold(users)

    def _hold(self, users: int) -> tuple[int, float, list[type[User]]]:
        # New visitors arrive spread over the first half of the warm-up, not all in one instant:
        # a burst of first requests would overflow the site's queue and skew the step.
        current = self.get_current_user_count()
        ramp_s = self.settings.timing.warmup_s / 2 if users > current else 1.0
        self._tick = (users, spawn_rate(users, current, max(ramp_s, 0.1)), [self.user_class])
        self.last_target_users = users
        return self._tick

    def _judge(self, step: _Step) -> Verdict:
        timing = self.settings.timing
        stats = self.recorder.window(step.windows * timing.window_s)
        whole = self.recorder.window(self.get_run_time() - step.began_s - timing.settle_s)
        generator = guard.window(step.generator_before or {}, self.probe.snapshot())
        measure = self._measure(step, stats, whole, generator)
        verdict = self.settings.guard.judge(measure) or self.settings.criteria.judge(
            measure, self._lightest(measure), self._lower_good(step)
        )
        self._record(measure, verdict, step.drained_for)
        if verdict.failed:
            best = max(m.throughput_rps for m, _ in self.measured)
            self._backlog = Backlog(measure.backlog, best)
        return verdict

    def _record_undrained(self, drained: Drained) -> None:
        last = "failed" if drained.last_ms is None else f"answered in {drained.last_ms:.0f} ms"
        baseline = self.drain.baseline_ms
        expected = (
            "it did not answer when idle either"
            if baseline is None
            else f"idle, it answered in {baseline:.0f} ms"
        )
        reason = (
            f"the site had not drained {drained.seconds:.0f} s after the last step, which left "
            f"{self._backlog} (the last probe {last}; {expected})"
        )
        users = self._next_users
        measure = StepMeasure(
            users, self.settings.units.offered(users), 0, 0.0, None, None, drain_s=drained.seconds
        )
        self._record(measure, Verdict("inconclusive", UNDRAINED, reason), self._backlog)

    def _record(self, measure: StepMeasure, verdict: Verdict, drained_for: Backlog | None) -> None:
        self.measured.append((measure, verdict))
        self.search.record(measure.load, verdict, self._served(measure))
        drained = ""
        if measure.drain_s >= 0.5 and drained_for is not None:
            expected = (
                "" if measure.drain_expected_s is None else f", {measure.drain_expected_s:.1f} s expected"
            )
            drained = f", after {measure.drain_s:.1f} s draining ({drained_for}{expected})"
        print(
            f"find-break: {measure.offered:g} {self.settings.units.unit}: {verdict.status}"
            + (f" ({verdict.reason})" if verdict.reason else "")
            + f", {measure.throughput_rps:.1f} req/s, p95 {measure.slowest_p95_ms or 0:.0f} ms{drained}",
            file=sys.stderr,
            flush=True,
        )

    def _served(self, measure: StepMeasure) -> float:
        """The load, in users, that ``measure``'s throughput would serve at light load's rate per user."""
        rates = [m.sent_rps / m.load for m, v in self.measured if not v.inconclusive and m.seconds and m.load]
        per_user = max(rates, default=0.0)
        return measure.throughput_rps / per_user if per_user > 0 else 0.0

    def _measure(
        self, step: _Step, stats: WindowStats, whole: WindowStats, generator: guard.GeneratorWindow
    ) -> StepMeasure:
        units = self.settings.units
        achieved = generator.arrivals_ratio if units.model == "open" else stats.achieved_users / step.users
        return StepMeasure(
            load=step.users,
            offered=units.offered(step.users),
            requests=stats.requests,
            throughput_rps=(stats.requests - sum(stats.failures.values())) / max(stats.seconds, 1),
            p50_ms=stats.p50_ms,
            p95_ms=stats.p95_ms,
            errors=dict(stats.failures),
            sent=stats.started,
            seconds=stats.seconds,
            carried_over=stats.carried_over,
            p95_ok_ms=stats.p95_ok_ms,
            mean_ms=stats.mean_ms,
            drain_s=step.drain_s,
            drain_expected_s=_finite(step.drained_for.seconds) if step.drained_for else None,
            # Sent and not answered by the step's end; a request the client gave up on still waits at the
            # site, whose queue does not know the visitor left.
            backlog=max(whole.started - whole.requests, 0) + whole.failures.get("read_timeout", 0),
            achieved_ratio=achieved,
            generator_cpu=generator.cpu,
            loop_lag_ms=generator.loop_lag_ms,
        )

    def _lightest(self, measure: StepMeasure) -> StepMeasure:
        judged = [m for m, v in self.measured if not v.inconclusive and m.requests]
        return min([*judged, measure], key=lambda m: m.load)

    def _lower_good(self, step: _Step) -> StepMeasure | None:
        lower = [m for m, v in self.measured if v.status == "good" and m.load < step.users]
        return max(lower, key=lambda m: m.load, default=None)

    def finish(self) -> SearchAnswer:
        """The search's answer (also of an interrupted one), built once: the run's record holds it, and
        find-break.json is written from the record."""
        if self.answer is None:
            self.answer = build_answer(
                self.search, self.measured, self.settings.units, self.prediction, self.settings.as_dict()
            )
        return self.answer


def _finite(seconds: float) -> float | None:
    return seconds if math.isfinite(seconds) else None
