"""The Locust load shape that runs the search: each tick holds the current step's load or moves to the next.

Before the first step it measures the idle site's latency (drain.py). A step
holds its load for a warm-up, then a measuring window, then waits ``settle_s``
for the window's figures to reach this process (a master hears from its
workers every few seconds). Requests sent before the step began are not
counted in it. It is judged on the recorder's merged window and the
generator's own counters; the search then names the next load. After a failing
step the load drops to zero until the site has drained, within a bound; a step
that would start on an undrained site is not run but reported inconclusive.
Because it only sets Locust's user count, ``--processes`` and master/worker
runs need nothing else.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import gevent
from locust import LoadTestShape, User

from flashcrowd.breakpoint import guard
from flashcrowd.breakpoint.answer import SearchAnswer
from flashcrowd.breakpoint.criteria import UNDRAINED, StepMeasure, Verdict
from flashcrowd.breakpoint.drain import Drained, DrainProbe
from flashcrowd.breakpoint.prediction import Prediction
from flashcrowd.breakpoint.probe import GeneratorProbe
from flashcrowd.breakpoint.result import build_answer
from flashcrowd.breakpoint.search import BreakSearch
from flashcrowd.breakpoint.settings import FindBreakSettings
from flashcrowd.load_models.curve_shape import spawn_rate
from flashcrowd.results.recorder import Recorder
from flashcrowd.results.window import WindowStats


@dataclass
class _Step:
    users: int
    window_start_s: float
    judge_s: float
    drain_s: float
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
        self.search = BreakSearch(settings.plan)
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
        verdict = self._judge(step)
        return self._next(now, pause=self._wait_until_drained if verdict.failed else None)

    def _calibrate(self) -> Drained:
        """Before the first step: the idle site needs no draining, only its baseline latency."""
        return Drained(True, 0.0, self.drain.calibrate())

    def _wait_until_drained(self) -> Drained:
        return self.drain.wait_until_drained(self.settings.timing.drain_timeout_s)

    def _next(
        self, now: float, pause: Callable[[], Drained] | None = None
    ) -> tuple[int, float, list[type[User]]] | None:
        users = self.search.next_load(now)
        if users is None:
            self.finish()
            return None
        if pause is None:
            return self._begin(users, now, 0.0)
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
        return self._begin(self._next_users, now, drained.seconds)

    def _begin(self, users: int, now: float, drain_s: float) -> tuple[int, float, list[type[User]]]:
        timing = self.settings.timing
        window_start = now + timing.warmup_s
        self._step = _Step(users, window_start, window_start + timing.window_s + timing.settle_s, drain_s)
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
        stats = self.recorder.window(self.settings.timing.window_s)
        generator = guard.window(step.generator_before or {}, self.probe.snapshot())
        measure = self._measure(step, stats, generator)
        verdict = self.settings.guard.judge(measure) or self.settings.criteria.judge(
            measure, self._lightest(measure), self._lower_good(step)
        )
        self._record(measure, verdict)
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
            f"the site had not drained {drained.seconds:.0f} s after the last step "
            f"(the last probe {last}; {expected})"
        )
        users = self._next_users
        measure = StepMeasure(
            users, self.settings.units.offered(users), 0, 0.0, None, None, drain_s=drained.seconds
        )
        self._record(measure, Verdict("inconclusive", UNDRAINED, reason))

    def _record(self, measure: StepMeasure, verdict: Verdict) -> None:
        self.search.record(measure.load, verdict)
        self.measured.append((measure, verdict))
        drained = f", after {measure.drain_s:.1f} s draining" if measure.drain_s >= 0.5 else ""
        print(
            f"find-break: {measure.offered:g} {self.settings.units.unit}: {verdict.status}"
            + (f" ({verdict.reason})" if verdict.reason else "")
            + f", {measure.throughput_rps:.1f} req/s, p95 {measure.slowest_p95_ms or 0:.0f} ms{drained}",
            file=sys.stderr,
            flush=True,
        )

    def _measure(self, step: _Step, stats: WindowStats, generator: guard.GeneratorWindow) -> StepMeasure:
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
