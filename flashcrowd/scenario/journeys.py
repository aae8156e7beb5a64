"""Journeys as written (weighted page sequences) and what they imply per session.

A visitor picks a journey by weight, asks for each step with its probability,
and thinks after every page it got, once the page's assets have loaded (the
step's ``think``, else the scenario's think time), the last one included; then
the session ends. So a session's mean length is the expected think time over its
pages, which is what Little's law needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flashcrowd.scenario.model import ASSETS, Distribution, Journey, RetryPolicy, Step
from flashcrowd.scenario.quantities import parse_duration
from flashcrowd.scenario.source import PathKey, ScenarioSource

NO_THINK = Distribution("constant", 0.0)


def build_distribution(spec: str | dict[str, Any], source: ScenarioSource, path: PathKey) -> Distribution:
    """A schema-checked distribution: ``20s`` (constant) or ``{distribution: exponential, mean: 20s}``."""
    if isinstance(spec, str):
        return Distribution("constant", parse_duration(spec))
    kind = spec["distribution"]
    if kind == "uniform":
        low, high = parse_duration(spec["low"]), parse_duration(spec["high"])
        if high < low:
            raise source.error((*path, "high"), f"expected a duration >= low ({spec['low']})")
        return Distribution.uniform(low, high)
    mean = parse_duration(spec["mean"])
    if kind == "lognormal" and mean <= 0:
        raise source.error((*path, "mean"), "expected a duration > 0 for a lognormal distribution")
    return Distribution(kind, mean, sigma=float(spec.get("sigma", 0.5)))


def build_journeys(specs: Sequence[dict[str, Any]], source: ScenarioSource) -> tuple[Journey, ...]:
    """Journeys from their schema-checked specs; names must be unique so reports can tell them apart."""
    journeys = []
    seen: set[str] = set()
    for j, spec in enumerate(specs):
        if spec["name"] in seen:
            raise source.error(
                ("journeys", j, "name"), f"expected a unique name; {spec['name']!r} is used twice"
            )
        seen.add(spec["name"])
        steps = [
            _build_step(step, source, ("journeys", j, "steps", s)) for s, step in enumerate(spec["steps"])
        ]
        # A browser fetches a page's stylesheets, scripts and images at once, then caches them.
        steps[1:1] = [Step(ASSETS, "GET", path, think=NO_THINK) for path in spec.get("assets", ())]
        journeys.append(Journey(spec["name"], float(spec["weight"]), tuple(steps)))
    return tuple(journeys)


def _build_step(spec: dict[str, Any], source: ScenarioSource, path: PathKey) -> Step:
    method = "POST" if "post" in spec else "GET"
    think = spec.get("think")
    return Step(
        name=spec["name"],
        method=method,
        path=spec[method.lower()],
        form={key: str(value) for key, value in spec["form"].items()} if "form" in spec else None,
        probability=float(spec.get("probability", 1.0)),
        think=build_distribution(think, source, (*path, "think")) if think is not None else None,
    )


def build_retry_policy(spec: dict[str, Any] | None, source: ScenarioSource) -> RetryPolicy:
    """What a visitor does after an error; without ``on_error`` it leaves at once."""
    if spec is None:
        return RetryPolicy(0.0, NO_THINK, 0)
    delay = build_distribution(spec["delay"], source, ("on_error", "delay"))
    return RetryPolicy(float(spec["retry_probability"]), delay, int(spec["max_retries"]))


def _mix(journeys: Sequence[Journey]) -> list[tuple[float, Journey]]:
    total = sum(journey.weight for journey in journeys)
    return [(journey.weight / total, journey) for journey in journeys]


def requests_per_session(journeys: Sequence[Journey]) -> float:
    """Expected requests a session makes (static assets included), without errors or retries."""
    return sum(share * sum(step.probability for step in journey.steps) for share, journey in _mix(journeys))


def session_seconds(journeys: Sequence[Journey], think_time: Distribution) -> float:
    """Expected real-world session length: the think time after every page a visitor gets."""
    return sum(
        share * sum(step.probability * (step.think or think_time).mean for step in journey.steps)
        for share, journey in _mix(journeys)
    )


def thinks_per_session(journeys: Sequence[Journey], think_time: Distribution) -> float:
    """Expected pauses a session makes: the steps followed by a think (a page's assets follow it at once)."""
    return sum(
        share * sum(step.probability for step in journey.steps if (step.think or think_time).mean > 0)
        for share, journey in _mix(journeys)
    )


def burst_dispersion(journeys: Sequence[Journey], think_time: Distribution) -> float:
    """E[B^2] / E[B] of the bursts a session's requests come in (a page with its assets, and the pages
    that follow it without a think): how many times a Poisson count's variance a count of them has."""
    squares = total = 0.0
    for share, journey in _mix(journeys):
        for burst in _bursts(journey, think_time):
            mean, variance = sum(burst), sum(p * (1 - p) for p in burst)
            squares += share * (variance + mean**2)
            total += share * mean
    return squares / total if total else 1.0


def _bursts(journey: Journey, think_time: Distribution) -> list[list[float]]:
    """The probabilities of the steps of each of the journey's bursts: a think after a load ends one."""
    bursts: list[list[float]] = []
    reading = True
    for load, think in page_loads(journey.steps, think_time):
        if reading:
            bursts.append([])
        bursts[-1] += [step.probability for step in load]
        reading = think.mean > 0
    return bursts


def page_loads(steps: Sequence[Step], think_time: Distribution) -> list[tuple[list[Step], Distribution]]:
    """``steps`` as a browser loads them: each page with the assets that follow it, and the think its
    reader takes once they have loaded (the page's ``think``, else ``think_time``); assets before any
    page load on their own, with no think."""
    loads: list[tuple[list[Step], Distribution]] = []
    for step in steps:
        if step.is_asset and loads:
            loads[-1][0].append(step)
        else:
            loads.append(([step], NO_THINK if step.is_asset else step.think or think_time))
    return loads


def requests_matching(journeys: Sequence[Journey], method: str, path: str) -> float:
    """Expected requests per session for ``method path`` (the query string is ignored)."""
    return sum(
        share
        * sum(s.probability for s in journey.steps if s.method == method and s.path.split("?")[0] == path)
        for share, journey in _mix(journeys)
    )
