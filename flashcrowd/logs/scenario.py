"""A log's reading written as scenario data: its arrival curve, journeys, think time and origins,
with the log itself cited as the figures ``flashcrowd plan`` checks the curve against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from flashcrowd.logs.curve import EDGE_S, binned_rates, thin
from flashcrowd.logs.journeys import FoundJourney, find_journeys, slug
from flashcrowd.logs.reading import LogReading
from flashcrowd.logs.sessions import POST
from flashcrowd.logs.tally import BIN_S, LogTally
from flashcrowd.scenario.quantities import format_duration
from flashcrowd.scenario.writer import compress_for, default_scale, single_origin_mix
from target_app.geo import OTHER, database_name

MIN_ORIGIN_SHARE = 0.01
MAX_ORIGINS = 10
ASSET_SHARE = 0.5  # an asset joins a journey when at least this share of its sessions fetched it
MAX_ASSETS = 20
SLOS = [
    {"name": "pages answer within 2 s", "metric": "p95_ms", "op": "<=", "threshold": 2000, "window": "30s"},
    {"name": "no resets", "metric": "resets", "op": "<=", "threshold": 0, "window": "30s"},
    {"name": "errors under 1 %", "metric": "error_rate", "op": "<=", "threshold": 0.01, "window": "30s"},
]
MIN_THINK_S = 0.1
MIN_PEAK_SIM = 10  # the default scale gives a run at least this many simulated users at its peak


@dataclass(frozen=True)
class LogOptions:
    name: str
    unit: str  # sessions_per_hour or concurrent_users
    timezone: str | None  # None: from the log's UTC offset
    duration_s: float  # wall-clock length of a run
    journeys: int  # at most this many
    peak_sim_users: float | None = None  # simulated users at the peak (None: from the curve, see _scale)
    exclude_agent: str | None = None  # the --exclude-agent pattern, for the description


def _had_offset(name: str, offset: timedelta) -> bool:
    zone = ZoneInfo(name)
    return any(
        zone.utcoffset(datetime(year, month, 1)) == offset for year in (2000, 2020) for month in (1, 7)
    )


@cache
def _fixed_zones(offset_s: int) -> tuple[str, ...]:
    """IANA zones (Region/City) that have had ``offset_s`` as their UTC offset, sorted."""
    offset = timedelta(seconds=offset_s)
    regions = (
        name for name in available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    )
    return tuple(sorted(name for name in regions if _had_offset(name, offset)))


def zone_for(offset_s: int, first: float, last: float) -> str:
    """An IANA zone for a log's fixed UTC offset: -0500 -> Etc/GMT+5 (POSIX signs are reversed); +0530 ->
    the first zone (Asia/Colombo) that keeps that offset from the log's first to its last hit."""
    if offset_s % 3600 == 0:
        hours = -offset_s // 3600
        return "UTC" if hours == 0 else f"Etc/GMT{hours:+d}"
    offset = timedelta(seconds=offset_s)
    for name in _fixed_zones(offset_s):
        zone = ZoneInfo(name)
        if all(datetime.fromtimestamp(moment, zone).utcoffset() == offset for moment in (first, last)):
            return name
    return "UTC"


def _scale(peak_real_users: float, options: LogOptions) -> float:
    """Simulated users per real one: the user's peak, else the writer's default raised (above 1 if need
    be) so the run has at least MIN_PEAK_SIM simulated users at its peak."""
    wanted = options.peak_sim_users
    if wanted is None:
        scale = default_scale(peak_real_users)
        if peak_real_users * scale >= MIN_PEAK_SIM:
            return scale
        wanted = MIN_PEAK_SIM
    return float(f"{wanted / peak_real_users:.3g}")


def _think(reading: LogReading) -> dict[str, Any]:
    """Exponential when the gaps vary like one (coefficient of variation near 1), else lognormal."""
    think = reading.tally.think
    mean = max(think.mean, MIN_THINK_S)
    if think.count < 2 or 0.8 <= think.cv <= 1.25:
        return {"distribution": "exponential", "mean": f"{mean:.3g}s"}
    sigma = min(max(think.log_sigma, 0.1), 3.0)
    return {"distribution": "lognormal", "mean": f"{mean:.3g}s", "sigma": round(sigma, 3)}


def _origins(tally_origins: Counter[str]) -> dict[str, float]:
    total = sum(tally_origins.values())
    named = {
        country: count / total
        for country, count in tally_origins.most_common(MAX_ORIGINS)
        if country != OTHER and count / total >= MIN_ORIGIN_SHARE
    }
    rest = 1 - sum(named.values())
    return {**named, OTHER: rest} if rest > 1e-9 else named


def _journey(found: FoundJourney, rank: int, reading: LogReading) -> dict[str, Any]:
    """One journey's data: its weight is its share of the sessions."""
    first = found.pages[0]
    started = reading.tally.first_pages.get(first, 0)
    assets = [
        path
        for path, count in reading.tally.assets.get(first, Counter()).most_common(MAX_ASSETS)
        if started and count / started >= ASSET_SHARE
    ]
    steps = []
    for page, probability in zip(found.pages, found.probabilities, strict=True):
        posted = page.startswith(POST)
        path = page.removeprefix(POST)
        # A log has no request bodies: a form to fill in (plan lists it).
        step: dict[str, Any] = (
            {"name": slug(path), "post": path, "form": {}} if posted else {"name": slug(path), "get": path}
        )
        if probability < 0.9995:
            step["probability"] = round(probability, 3)
        steps.append(step)
    journey: dict[str, Any] = {
        "name": f"j{rank}-{slug(first.removeprefix(POST))}-{len(found.pages)}p",
        "weight": round(found.sessions / reading.tally.sessions, 4),
    }
    if assets:
        journey["assets"] = assets
    journey["steps"] = steps
    return journey


def _periods(reading: LogReading, zone: ZoneInfo, start: float, end: float,
             day: bool) -> list[tuple[float, float, int]]:  # fmt: skip
    """(start, end, sessions) of each local clock hour (or day) the curve covers in full, POSIX seconds."""
    counts: Counter[datetime] = Counter()
    for index, count in reading.tally.arrivals.items():
        moment = datetime.fromtimestamp(index * BIN_S, zone).replace(minute=0, second=0)
        counts[moment.replace(hour=0) if day else moment] += count
    length = timedelta(days=1) if day else timedelta(hours=1)
    spans = [(m.timestamp(), (m + length).timestamp(), n) for m, n in sorted(counts.items())]
    return [(a, b, n) for a, b, n in spans if a >= start and b <= end]


def _busiest(
    reading: LogReading, zone: ZoneInfo, start: float, end: float, seed: str, day: bool
) -> list[dict[str, Any]]:
    """The figure of the busiest clock hour (or day) the curve covers in full; none if it covers none."""
    periods = _periods(reading, zone, start, end, day)
    if not periods:
        return []
    period_start, period_end, count = max(periods, key=lambda period: period[2])
    label = datetime.fromtimestamp(period_start, zone).strftime("%Y-%m-%d" if day else "%Y-%m-%d %H:00")
    return [{
        "id": "L4" if day else "L2", "source": seed,
        "text": f"{count:,} sessions on the busiest day, {label}" if day
        else f"{count:,} sessions in the busiest hour, {label}",
        "value": count,
        "measure": {"kind": "sessions", "from": f"+{period_start - start:.0f}s",
                    "to": f"+{period_end - start:.0f}s"},
    }]  # fmt: skip


def _figures(reading: LogReading, zone: ZoneInfo, start: float, end: float, seed: str,
             shares: dict[str, float]) -> list[dict[str, Any]]:  # fmt: skip
    tally = reading.tally
    lines = f"{reading.lines:,} log lines ({reading.malformed:,} malformed)"
    figures = [{
        "id": "L1", "source": seed, "text": f"{tally.sessions:,} sessions in {lines}",
        "value": tally.sessions, "measure": {"kind": "sessions", "from": "+0s", "to": f"+{end - start:.0f}s"},
    }]  # fmt: skip
    figures += _busiest(reading, zone, start, end, seed, day=False)
    top = max((c for c in shares if c != OTHER), key=lambda c: shares[c], default=None)
    if top is not None:
        figures.append({
            "id": "L3", "source": seed, "text": f"share of sessions from {top} ({database_name()})",
            "value": round(shares[top], 4), "measure": {"kind": "origin_share", "origin": top, "at": "+0s"},
        })  # fmt: skip
    return figures + _busiest(reading, zone, start, end, seed, day=True)


def _description(reading: LogReading, seed: str, period: str, width: float, options: LogOptions,
                 found: list[FoundJourney], scale: float) -> str:  # fmt: skip
    tally = reading.tally
    covered = sum(journey.sessions for journey in found) / tally.sessions
    if any(len(journey.pages) > 1 for journey in found):
        journeys = (
            f"the {len(found)} most frequent page sequences as journeys, covering {covered:.0%} of sessions"
        )
    else:
        journeys = (
            f"no page sequence repeated often: the {len(found)} most frequent pages as one-page journeys"
        )
    excluded = (
        f" {reading.excluded:,} requests whose user agent matched --exclude-agent {options.exclude_agent!r} "
        "(uptime probes, health checks, crawlers) were left out."
        if options.exclude_agent
        else ""
    )
    posts = (
        " Form POSTs are steps with an empty form: fill in their fields."
        if any(page.startswith(POST) for journey in found for page in journey.pages)
        else ""
    )
    scaled = (
        f" Scale {scale:g}: each real-world visitor is played by {scale:g} simulated ones, so the run "
        "has enough of them at its peak."
        if scale > 1
        else ""
    )
    return (
        f"From the access log {seed} ({period}): {tally.sessions:,} sessions (one client address and "
        f"user agent until idle; {tally.running_at_start:,} already under way in the log's first minutes "
        f"are not counted as arrivals), arrivals in {format_duration(width)} bins as "
        f"{options.unit.replace('_', ' ')}; {journeys}; think time fitted from {tally.think.count:,} gaps "
        f"between pages; origins by {database_name()}.{excluded}{posts}{scaled}"
    )  # fmt: skip


def _found_journeys(tally: LogTally, most: int) -> list[FoundJourney]:
    """The frequent page sequences; with none repeated, the most frequent first pages as one-page journeys."""
    found = find_journeys(tally.sequences, tally.sessions, most)
    if found:
        return found
    return [FoundJourney((page,), count, (1.0,)) for page, count in tally.first_pages.most_common(most)]


def scenario_from_log(reading: LogReading, options: LogOptions) -> dict[str, Any]:
    """Scenario data for ``reading`` (``write_scenario`` writes and checks it)."""
    tally = reading.tally
    zone_name = options.timezone or zone_for(reading.utc_offset_s, reading.first_hit, reading.last_hit)
    zone = ZoneInfo(zone_name)
    offset = datetime.fromtimestamp(min(tally.arrivals) * BIN_S, zone).utcoffset() or timedelta()
    width, start, frames = binned_rates(tally.arrivals, BIN_S, int(offset.total_seconds()))
    end = start + frames[-1].at_s + EDGE_S
    found = _found_journeys(tally, options.journeys)
    covered = sum(journey.sessions for journey in found)
    think = _think(reading)
    pages = sum(j.sessions * sum(j.probabilities) for j in found) / max(covered, 1)
    session_s = pages * max(tally.think.mean, MIN_THINK_S)  # as the think time written below
    per_user = session_s / 3600 if options.unit == "concurrent_users" else 1.0
    keyframes = [{"at": f"+{f.at_s:.0f}s", "value": round(f.value * per_user, 3)} for f in thin(frames)]
    shares = _origins(tally.origins)
    seed = reading.paths[0].name + (f" +{len(reading.paths) - 1} files" if len(reading.paths) > 1 else "")
    period = (
        f"{datetime.fromtimestamp(reading.first_hit, zone):%Y-%m-%d %H:%M:%S} to "
        f"{datetime.fromtimestamp(reading.last_hit, zone):%Y-%m-%d %H:%M:%S} {zone_name}"
    )
    title = (
        f"access log, {period}: {reading.lines:,} lines, {reading.hits:,} requests, "
        f"{reading.malformed:,} malformed lines skipped"
    )
    figures = _figures(reading, zone, start, end, seed, shares)
    peak = max(frame.value for frame in frames) * session_s / 3600
    scale = _scale(peak, options)
    return {
        "flashcrowd": 1,
        "name": options.name,
        "description": _description(reading, seed, period, width, options, found, scale),
        "sources": [{"seed": seed, "title": title, "figures": [figure["id"] for figure in figures]}],
        "clock": {
            "start": datetime.fromtimestamp(start, zone).strftime("%Y-%m-%d %H:%M:%S"),
            "timezone": zone_name,
            "compress": compress_for(end - start, options.duration_s),
            "end": f"+{end - start:.0f}s",
        },
        "scale": scale,
        "load": {"unit": options.unit, "keyframes": keyframes},
        "origins": single_origin_mix(shares, "+0s"),
        "think_time": think,
        "journeys": [_journey(journey, rank, reading) for rank, journey in enumerate(found, 1)],
        "slos": SLOS,
        "seed": 1,
        "figures": figures,
    }
