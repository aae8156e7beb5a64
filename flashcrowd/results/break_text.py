"""The three sentences that answer where a site broke, from a run's ``break``: what `flashcrowd run`
prints at its end and report.html's header says, word for word."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flashcrowd.results.analysis import FAILURE_SHARE, SUSTAIN_ROWS
from flashcrowd.results.break_types import BreakAnswer, LoadPoint, Saturation
from flashcrowd.results.record import RunRecord


@dataclass(frozen=True)
class Span:
    """The stretch of the scenario's clock a run replayed, in the scenario's time zone."""

    name: str
    start: datetime
    end: datetime


def record_span(record: RunRecord) -> Span:
    """The span a record's scenario replayed (in its time zone when the record names it)."""
    info = record.scenario
    start = datetime.fromisoformat(info.real_start)
    if info.timezone:
        start = start.astimezone(ZoneInfo(info.timezone))
    return Span(info.name, start, start + timedelta(seconds=info.wall_duration_s * info.compress))


def break_lines(answer: BreakAnswer | None, span: Span) -> list[str]:
    """Where the site saturated, where it first failed and how, and where connection resets began (or
    that it never did each), on the scenario's clock and in real-world users."""
    during = f"during {span.name} ({_span(span)})"
    saturation, failure, resets = (
        (answer.saturation, answer.first_failure, answer.first_resets) if answer else (None, None, None)
    )
    zone = span.start.tzinfo
    return [
        f"The site saturated at {_at(saturation, zone)}{_give_or_take(saturation)}: it served at most "
        f"{saturation.max_served_rps:,.1f} requests/s."
        if saturation
        else f"The site did not saturate {during}: its throughput kept up with the load.",
        f"It first failed at {_at(failure, zone)}: {failure.kind}."
        if failure
        else f"It never failed {during} (no {SUSTAIN_ROWS} s in a row with over {FAILURE_SHARE * 100:g} % of "
        "requests failed).",
        f"Connection resets began at {_at(resets, zone)}." if resets else f"No connection resets {during}.",
    ]


def _give_or_take(saturation: Saturation) -> str:
    """', ± 10,700 (12 %, one standard error)': how far this run's reading of its saturation can stray;
    nothing for a record that does not say."""
    share = saturation.relative_error
    if share is None:
        return ""
    return f", ± {share * saturation.real_users:,.0f} ({share * 100:.0f} %, one standard error)"


def _at(point: LoadPoint, zone: object) -> str:
    """'21:38 Eastern on Tue 8 Nov 2016, at 80,400 real-world users (804 simulated)'; the users alone for a
    point no timeline places (a search's step)."""
    users = f"{point.real_users:,.0f} real-world users ({point.users:,} simulated)"
    if point.at is None:
        return users
    moment = datetime.fromisoformat(point.at.real_time).astimezone(zone)  # type: ignore[arg-type]
    return f"{moment:%H:%M} {_zone_name(moment)} on {moment:%a} {moment.day} {moment:%b %Y}, at {users}"


def _span(span: Span) -> str:
    start, end = span.start, span.end
    clock = "%H:%M" if end - start >= timedelta(seconds=120) else "%H:%M:%S"
    return f"{start:%a} {start.day} {start:%b %Y} {start:{clock}} to {end:{clock}} {_zone_name(start)}"


def _zone_name(moment: datetime) -> str:
    """'Eastern' for North American Eastern time, else the zone's abbreviation."""
    abbreviation = moment.tzname() or ""
    return "Eastern" if abbreviation in {"EST", "EDT"} else abbreviation
