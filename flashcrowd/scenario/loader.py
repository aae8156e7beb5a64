"""``load_scenario``: a scenario file checked against its schema and its meaning, turned into a Scenario.

The schema catches shapes and spellings; the checks here catch what a schema
cannot say (times that go backwards, shares that do not sum to 1, an unknown
time zone). Either way the caller gets one ConfigError naming file, line and key.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flashcrowd.scenario.figures import build_figures
from flashcrowd.scenario.flash import DEFAULT_DECAY, FlashCrowd
from flashcrowd.scenario.journeys import (
    build_distribution,
    build_journeys,
    build_retry_policy,
    session_seconds,
)
from flashcrowd.scenario.model import (
    SLO,
    Clock,
    Curve,
    Distribution,
    Journey,
    Keyframe,
    OriginMix,
    Scenario,
    Source,
)
from flashcrowd.scenario.quantities import format_duration, parse_datetime, parse_duration, parse_moment
from flashcrowd.scenario.source import PathKey, ScenarioSource
from flashcrowd.scenario.units import UNITS
from flashcrowd.scenario.validate import check_against_schema
from flashcrowd_common.errors import UsageError

SHARE_TOLERANCE = 0.001
FLASH_VERSION = 2  # the format version that added load.flash


def load_scenario(
    path: str | Path,
    *,
    scale: float | None = None,
    compress: float | None = None,
    duration_s: float | None = None,
    begin: str | None = None,
    end: str | None = None,
) -> Scenario:
    """Read, check and build the scenario at ``path``, with the overrides --scale, --compress, --duration,
    --begin and --end.

    ``begin``/``end`` cut the run to that real-world window (moments as the file writes them:
    ``"21:00"``, ``"2016-11-09 01:30"``, ``"+2h"``). ``duration_s`` sets the run's wall-clock length
    (compress = real span / duration) and wins over ``compress``. Raises ConfigError (file, line, key,
    expected) or UsageError for a bad override.
    """
    _check_overrides(scale=scale, compress=compress, duration=duration_s)
    source = ScenarioSource.read(Path(path))
    check_against_schema(source)
    data = source.data
    start = _clock_start(data["clock"], source)
    flash = _flash(data, start, source)
    written = (
        Curve(data["load"]["unit"], flash.keyframes())
        if flash
        else _written_curve(data["load"], start, source)
    )
    UNITS[written.unit].check(data["load"], source)
    think_time = build_distribution(data["think_time"], source, ("think_time",))
    journeys = build_journeys(data["journeys"], source)
    session_s, session_stated = _session(data, journeys, think_time, source)
    clock = _cut(_clock(data["clock"], start, written, source), begin, end)
    if duration_s is not None:
        clock = dataclasses.replace(clock, compress=clock.span_s / duration_s)
    elif compress is not None:
        clock = dataclasses.replace(clock, compress=compress)
    profile = tuple(float(share) for share in data["load"].get("hourly_profile", ()))
    origins = _origins(data["origins"], start, source)
    sources = tuple(
        Source(s["seed"], s.get("title", ""), tuple(s["figures"])) for s in data.get("sources", ())
    )
    return Scenario(
        path=source.path,
        version=data["flashcrowd"],
        name=data["name"],
        description=data.get("description", "").strip(),
        clock=clock,
        scale=float(scale if scale is not None else data.get("scale", 1.0)),
        load=written,
        session_duration_s=session_s,
        users=UNITS[written.unit].to_concurrent_users(written, session_s, clock, profile),
        origins=origins,
        journeys=journeys,
        think_time=think_time,
        on_error=build_retry_policy(data.get("on_error"), source),
        slos=_slos(data.get("slos", ())),
        figures=build_figures(
            data.get("figures", ()), source, set(origins.shares[0]), {s.seed for s in sources}, start
        ),
        target_profile=data.get("target", {}).get("profile", "ircc-2016"),
        seed=int(data.get("seed", 0)),
        sources=sources,
        session_stated=session_stated,
        hourly_profile=profile,
        flash=flash,
        join=data.get("join", "steady"),
    )


def _check_overrides(**overrides: float | None) -> None:
    for flag, value in overrides.items():
        if value is not None and not (value > 0 and math.isfinite(value)):
            raise UsageError(f"--{flag} {value}: expected a number > 0")


def _clock_start(clock: dict[str, Any], source: ScenarioSource) -> datetime:
    try:
        zone = ZoneInfo(clock["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise source.error(
            ("clock", "timezone"), "expected an IANA time zone, e.g. America/Toronto"
        ) from None
    try:
        return parse_datetime(clock["start"], zone)
    except ValueError:
        raise source.error(("clock", "start"), 'expected a date and time, e.g. "2016-11-08 19:00"') from None


def _flash(data: dict[str, Any], start: datetime, source: ScenarioSource) -> FlashCrowd | None:
    """The flash-crowd model if the curve is written as one (format 2), else None; exactly one of
    ``keyframes`` and ``flash`` is written."""
    load = data["load"]
    if ("flash" in load) == ("keyframes" in load):
        which = "both" if "flash" in load else "neither"
        raise source.error(("load",), f"expected keyframes or flash, not {which}")
    if "flash" not in load:
        return None
    spec = load["flash"]
    if data["flashcrowd"] < FLASH_VERSION:
        raise source.error(
            ("flashcrowd",), f"expected {FLASH_VERSION} for a curve written as load.flash (format 2 added it)"
        )
    start_s = _moment(spec["start"], start, source, ("load", "flash", "start"))
    _check_order(start_s, 0.0, True, source, ("load", "flash", "start"))
    time_unit_s = parse_duration(spec["time_unit"])
    if time_unit_s <= 0:
        raise source.error(("load", "flash", "time_unit"), "expected a duration > 0")
    return FlashCrowd(
        float(spec["baseline"]),
        float(spec["shock"]),
        start_s,
        time_unit_s,
        float(spec.get("decay", DEFAULT_DECAY)),
    )


def _moment(text: str, start: datetime, source: ScenarioSource, path: PathKey) -> float:
    try:
        return parse_moment(text, start)
    except ValueError as error:
        raise source.error(path, f"expected {error}") from None


def _written_curve(load: dict[str, Any], start: datetime, source: ScenarioSource) -> Curve:
    """Keyframes in the written unit; ``hold`` keeps the last value, ``step`` jumps at ``at``."""
    keyframes: list[Keyframe] = []
    for index, frame in enumerate(load["keyframes"]):
        path = ("load", "keyframes", index)
        if "hold" in frame:
            if not keyframes:
                raise source.error(
                    (*path, "hold"), "expected {at, value} first; a hold extends the keyframe before it"
                )
            last = keyframes[-1]
            keyframes.append(Keyframe(last.at_s + parse_duration(frame["hold"]), last.value))
            continue
        at_s = _moment(frame["at"], start, source, (*path, "at"))
        _check_order(at_s, keyframes[-1].at_s if keyframes else 0.0, not keyframes, source, (*path, "at"))
        if frame.get("step") and keyframes:
            keyframes.append(Keyframe(at_s, keyframes[-1].value))
        keyframes.append(Keyframe(at_s, float(frame["value"])))
    return Curve(load["unit"], tuple(keyframes))


def _check_order(at_s: float, previous_s: float, first: bool, source: ScenarioSource, path: PathKey) -> None:
    if at_s < previous_s:
        before = "clock.start" if first else "the keyframe before it"
        gap = format_duration(previous_s - at_s)
        raise source.error(path, f"expected a moment at or after {before}; this one is {gap} earlier")


def _session(
    data: dict[str, Any], journeys: tuple[Journey, ...], think_time: Distribution, source: ScenarioSource
) -> tuple[float, bool]:
    """Mean real-world session length: as stated, else expected from the journeys."""
    if "session" in data:
        seconds = parse_duration(data["session"]["mean"])
        if seconds <= 0:
            raise source.error(("session", "mean"), "expected a duration > 0")
        return seconds, True
    seconds = session_seconds(journeys, think_time)
    if seconds <= 0:
        raise source.error(
            ("think_time",), "expected think times that give sessions a length > 0, or a stated session.mean"
        )
    return seconds, False


def _cut(clock: Clock, begin: str | None, end: str | None) -> Clock:
    """``clock`` cut to the window from ``begin`` to ``end`` (either may be None: the scenario's own)."""
    cut = {}
    for flag, text, key in (("--begin", begin, "begin_s"), ("--end", end, "duration_s")):
        if text is None:
            continue
        try:
            cut[key] = parse_moment(text, clock.start)
        except ValueError:
            raise UsageError(
                f'{flag} {text!r}: expected a moment of the scenario, e.g. "21:00", "2016-11-09 01:30", "+2h"'
            ) from None
    cut_clock = dataclasses.replace(clock, **cut)
    if not 0 <= cut_clock.begin_s < cut_clock.duration_s:
        raise UsageError(
            f"--begin {begin or 'clock.start'} --end {end or 'clock.end'}: expected a window that starts at "
            f"or after clock.start ({clock.start:%Y-%m-%d %H:%M}) and ends after it begins"
        )
    return cut_clock


def _clock(clock: dict[str, Any], start: datetime, written: Curve, source: ScenarioSource) -> Clock:
    """The real span runs from clock.start to clock.end, or to the last keyframe."""
    if "end" in clock:
        end_s = _moment(clock["end"], start, source, ("clock", "end"))
    else:
        end_s = written.keyframes[-1].at_s
    if end_s <= 0:
        where = ("clock", "end") if "end" in clock else ("load", "keyframes")
        raise source.error(where, "expected the scenario to end after clock.start")
    return Clock(start=start, compress=float(clock["compress"]), duration_s=end_s)


def _origins(entries: list[dict[str, Any]], start: datetime, source: ScenarioSource) -> OriginMix:
    """Origin shares along the curve: the same origins everywhere, each keyframe summing to 1."""
    names = list(entries[0]["shares"])  # written order: visitors draw origins in it, seeded
    times: list[float] = []
    for index, entry in enumerate(entries):
        path = ("origins", index)
        at_s = _moment(entry["at"], start, source, (*path, "at"))
        _check_order(at_s, times[-1] if times else 0.0, not times, source, (*path, "at"))
        shares = entry["shares"]
        if set(shares) != set(names):
            expected = ", ".join(names)
            raise source.error((*path, "shares"), f"expected the same origins as origins[0]: {expected}")
        total = sum(shares.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            raise source.error(
                (*path, "shares"), f"expected shares summing to 1 (within {SHARE_TOLERANCE}), got {total:g}"
            )
        times.append(at_s)
    return OriginMix(tuple(times), tuple({name: float(e["shares"][name]) for name in names} for e in entries))


def _slos(specs: Any) -> tuple[SLO, ...]:
    return tuple(
        SLO(
            name=spec.get("name")
            or f"{spec['metric']} {spec['op']} {spec['threshold']:g} over {spec['window']}",
            metric=spec["metric"],
            op=spec["op"],
            threshold=float(spec["threshold"]),
            window_s=parse_duration(spec["window"]),
        )
        for spec in specs
    )
