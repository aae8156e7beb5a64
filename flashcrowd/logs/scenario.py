"""A log's reading written as scenario data: its arrival curve, journeys, think time and origins,
with the log itself cited as the figures ``flashcrowd plan`` checks the curve against."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flashcrowd.logs.curve import binned_rates, thin
from flashcrowd.logs.journeys import FoundJourney, find_journeys, slug
from flashcrowd.logs.reading import LogReading
from flashcrowd.logs.tally import BIN_S
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


@dataclass(frozen=True)
class LogOptions:
    name: str
    unit: str  # sessions_per_hour or concurrent_users
    timezone: str | None  # None: from the log's UTC offset
    duration_s: float  # wall-clock length of a run
    journeys: int  # at most this many


def zone_for(offset_s: int) -> str:
    """An IANA zone for a fixed UTC offset: -0500 -> Etc/GMT+5 (POSIX signs are reversed); UTC otherwise."""
    if offset_s % 3600:
        return "UTC"
    hours = -offset_s // 3600
    return "UTC" if hours == 0 else f"Etc/GMT{hours:+d}"


def _think(reading: LogReading) -> dict[str, Any]:
    """Exponential when the gaps vary like one (coefficient of variation near 1), else lognormal."""
    think = reading.tally.think
    mean = max(think.mean, 0.1)
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
        step: dict[str, Any] = {"name": slug(page), "get": page}
        if probability < 0.9995:
            step["probability"] = round(probability, 3)
        steps.append(step)
    journey: dict[str, Any] = {
        "name": f"j{rank}-{slug(first)}-{len(found.pages)}p",
        "weight": round(found.sessions / reading.tally.sessions, 4),
    }
    if assets:
        journey["assets"] = assets
    journey["steps"] = steps
    return journey


def _hours(reading: LogReading, zone: ZoneInfo, start: float, end: float) -> list[tuple[float, float, int]]:
    """(start, end, sessions) of each local clock hour the log covers in full, POSIX seconds."""
    hours: Counter[float] = Counter()
    for index, count in reading.tally.arrivals.items():
        moment = datetime.fromtimestamp(index * BIN_S, zone)
        hours[moment.replace(minute=0, second=0).timestamp()] += count
    return [(h, h + 3600, n) for h, n in sorted(hours.items()) if h >= start and h + 3600 <= end]


def _figures(reading: LogReading, zone: ZoneInfo, start: float, end: float, seed: str,
             shares: dict[str, float]) -> list[dict[str, Any]]:  # fmt: skip
    tally = reading.tally
    lines = f"{reading.lines:,} log lines ({reading.malformed:,} malformed)"
    figures = [{
        "id": "L1", "source": seed, "text": f"{tally.sessions:,} sessions in {lines}",
        "value": tally.sessions, "measure": {"kind": "sessions", "from": "+0s", "to": f"+{end - start:.0f}s"},
    }]  # fmt: skip
    hours = _hours(reading, zone, start, end)
    if hours:
        hour_start, hour_end, count = max(hours, key=lambda hour: hour[2])
        label = datetime.fromtimestamp(hour_start, zone).strftime("%Y-%m-%d %H:00")
        figures.append({
            "id": "L2", "source": seed, "text": f"{count:,} sessions in the busiest hour, {label}",
            "value": count,
            "measure": {
                "kind": "sessions", "from": f"+{hour_start - start:.0f}s", "to": f"+{hour_end - start:.0f}s"
            },
        })  # fmt: skip
    top = max((c for c in shares if c != OTHER), key=lambda c: shares[c], default=None)
    if top is not None:
        figures.append({
            "id": "L3", "source": seed, "text": f"share of sessions from {top} ({database_name()})",
            "value": round(shares[top], 4), "measure": {"kind": "origin_share", "origin": top, "at": "+0s"},
        })  # fmt: skip
    return figures


def _description(reading: LogReading, seed: str, period: str, width: float, options: LogOptions,
                 found: list[FoundJourney]) -> str:  # fmt: skip
    tally = reading.tally
    covered = sum(journey.sessions for journey in found) / tally.sessions
    return (
        f"From the access log {seed} ({period}): {tally.sessions:,} sessions (one client address and "
        f"user agent until idle), arrivals in {format_duration(width)} bins as "
        f"{options.unit.replace('_', ' ')}; the {len(found)} most frequent page sequences as journeys, "
        f"covering {covered:.0%} of the sessions; think time fitted from {tally.think.count:,} gaps "
        f"between pages; origins by {database_name()}."
    )


def scenario_from_log(reading: LogReading, options: LogOptions) -> dict[str, Any]:
    """Scenario data for ``reading`` (``write_scenario`` writes and checks it)."""
    tally = reading.tally
    zone_name = options.timezone or zone_for(reading.utc_offset_s)
    zone = ZoneInfo(zone_name)
    width, frames = binned_rates(tally.arrivals, BIN_S)
    start = min(tally.arrivals) * BIN_S
    end = start + frames[-1].at_s + width / 2
    found = find_journeys(tally.sequences, tally.sessions, options.journeys)
    covered = sum(journey.sessions for journey in found)
    think = _think(reading)
    pages = sum(j.sessions * sum(j.probabilities) for j in found) / max(covered, 1)
    session_s = pages * tally.think.mean
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
    return {
        "flashcrowd": 1,
        "name": options.name,
        "description": _description(reading, seed, period, width, options, found),
        "sources": [{"seed": seed, "title": title, "figures": [figure["id"] for figure in figures]}],
        "clock": {
            "start": datetime.fromtimestamp(start, zone).strftime("%Y-%m-%d %H:%M:%S"),
            "timezone": zone_name,
            "compress": compress_for(end - start, options.duration_s),
            "end": f"+{end - start:.0f}s",
        },
        "scale": default_scale(peak),
        "load": {"unit": options.unit, "keyframes": keyframes},
        "origins": single_origin_mix(shares, "+0s"),
        "think_time": think,
        "journeys": [_journey(journey, rank, reading) for rank, journey in enumerate(found, 1)],
        "slos": SLOS,
        "seed": 1,
        "figures": figures,
    }
