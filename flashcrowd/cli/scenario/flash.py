"""``flashcrowd scenario flash``: a flash-crowd scenario from a baseline and a shock level."""

from __future__ import annotations

import argparse
import math
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.cli.common import add_command
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.flash import DEFAULT_DECAY, FlashCrowd
from flashcrowd.scenario.model import Scenario
from flashcrowd.scenario.quantities import format_duration, parse_datetime
from flashcrowd.scenario.source import ScenarioSource
from flashcrowd.scenario.writer import compress_for, default_scale, single_origin_mix, write_scenario
from flashcrowd_common.arguments import positive, positive_duration
from flashcrowd_common.errors import UsageError

DEFAULT_LIKE = "election-night-2016-11-08"
COPIED = ("think_time", "on_error", "journeys", "slos", "target", "seed")

SUMMARY = "a flash-crowd curve from a baseline and a shock level"

DESCRIPTION = """\
Write a scenario whose curve is a flash crowd: the baseline until --start, then a
surge of shock level S = peak / baseline with the phases of Ari et al. (2003):
ramp-up = time unit / log10(1+S), sustained = time unit x log10(1+S), ramp-down =
decay x ramp-up. The baseline is a number (--baseline) or the median load of a
scenario (--baseline-from), e.g. one that `scenario from-log` wrote from an
ordinary day's logs. Visitors (journeys, think time, retries, SLOs, target) and
the origin shares at its peak come from --like (default: --baseline-from's
scenario, else election-night-2016-11-08)."""

EXAMPLES = """\
  flashcrowd scenario flash --baseline 17000 --shock 11.8 --start "2016-11-08 21:38" \\
      --timezone America/Toronto --time-unit 1.5h --output election.yaml
  flashcrowd scenario flash --baseline 8000 --shock 20 --unit sessions_per_hour \\
      --start "2025-03-11 09:00" --like my-site.yaml --output launch.yaml
  flashcrowd scenario from-log access.log -o ordinary-day.yaml
  flashcrowd scenario flash --baseline-from ordinary-day.yaml --shock 20 --start "2025-03-11 09:00" \\
      -o launch.yaml"""


def _shock(text: str) -> float:
    value = positive(text)
    if value <= 1:
        raise argparse.ArgumentTypeError(f"expected a shock level S = peak / baseline > 1, got {text!r}")
    return value


def register(ways: argparse._SubParsersAction) -> None:
    parser = add_command(ways, "flash", SUMMARY, DESCRIPTION, EXAMPLES)
    baseline = parser.add_mutually_exclusive_group(required=True)
    baseline.add_argument("--baseline", type=positive, help="the load before the surge, in --unit")
    baseline.add_argument(
        "--baseline-from", metavar="SCENARIO", help="take the baseline as this scenario's median load"
    )
    parser.add_argument("--shock", type=_shock, required=True, help="shock level S = peak / baseline, > 1")
    parser.add_argument("--start", required=True, help='when the ramp-up begins, e.g. "2025-03-11 09:00"')
    parser.add_argument("--timezone", default="UTC", help="IANA time zone of --start")
    parser.add_argument("--time-unit", type=positive_duration, default="1h", help="the phases' time unit")
    parser.add_argument("--decay", type=positive, default=DEFAULT_DECAY, help="ramp-down in ramp-ups")
    parser.add_argument(
        "--unit", choices=("concurrent_users", "sessions_per_hour"), default="concurrent_users",
        help="the unit of --baseline and of the curve",
    )  # fmt: skip
    parser.add_argument("--lead", type=positive_duration, default="1h", help="baseline before the ramp-up")
    parser.add_argument(
        "--duration", type=positive_duration, default="20min", help="wall-clock length of a run"
    )
    parser.add_argument("--like", help="scenario whose visitors and origins to copy (see above)")
    parser.add_argument("--name", help="the scenario's name (default: the output file's stem)")
    parser.add_argument("--output", "-o", required=True, metavar="FILE.yaml", help="where to write it")
    parser.set_defaults(func=run)


def _seconds(seconds: float) -> str:
    return f"{seconds:.0f}s"


def flash_data(args: argparse.Namespace, like: Path) -> dict[str, Any]:
    """The scenario as data: the flash curve, --like's visitors, figures for the baseline and the peak."""
    template = load_scenario(like)
    written = ScenarioSource.read(like).data
    model = FlashCrowd(args.baseline, args.shock, args.lead, args.time_unit, args.decay)
    phases = model.phases()
    session_s = template.session_duration_s
    per_user = 1.0 if args.unit == "concurrent_users" else session_s / 3600
    scale = default_scale(model.peak * per_user)
    shares = template.origins.shares_at(template.users.peak.at_s)
    name = args.name or Path(args.output).stem
    given = f"--baseline-from {Path(args.baseline_from).name}" if args.baseline_from else "--baseline"
    command = f"flashcrowd scenario flash {given} {args.baseline:g} --shock {args.shock:g}"
    return {
        "flashcrowd": 2,
        "name": name,
        "description": (
            f"A flash crowd of shock level {args.shock:g} on a baseline of {args.baseline:,.0f} "
            f"{args.unit.replace('_', ' ')}, ramping up from {args.start} ({args.timezone}) for "
            f"{format_duration(model.ramp_up_s)}, sustained {format_duration(model.sustained_s)}, "
            f"ramping down over {format_duration(model.ramp_down_s)} (Ari et al. 2003, time unit "
            f"{format_duration(args.time_unit)}). Visitors and origins (at its peak) from {like.name}."
        ),
        "clock": {
            "start": _clock_start(args),
            "timezone": args.timezone,
            "compress": compress_for(model.end_s, args.duration),
        },
        "scale": scale,
        "load": {
            "unit": args.unit,
            "flash": {
                "baseline": args.baseline,
                "shock": args.shock,
                "start": "+" + _seconds(args.lead),
                "time_unit": _seconds(args.time_unit),
                "decay": args.decay,
            },
        },
        "origins": single_origin_mix(shares, "+0s"),
        **{key: written[key] for key in COPIED if key in written},
        "figures": _figures(model, args.unit, phases[1].start_s, command),
    }


def _figures(model: FlashCrowd, unit: str, peak_s: float, command: str) -> list[dict[str, Any]]:
    """The baseline and the peak the user gave, as figures ``plan`` checks against the curve."""
    if unit == "concurrent_users":
        measures = [
            ({"kind": unit, "at": "+0s"}, model.baseline),
            ({"kind": unit, "at": f"+{peak_s:.0f}s"}, model.peak),
        ]
    else:
        window = min(3600.0, model.start_s, model.sustained_s)
        peak_from = math.ceil(peak_s)
        measures = [
            ({"kind": "sessions", "from": "+0s", "to": f"+{window:.0f}s"}, model.baseline * window / 3600),
            (
                {"kind": "sessions", "from": f"+{peak_from}s", "to": f"+{peak_from + window:.0f}s"},
                model.peak * window / 3600,
            ),
        ]
    texts = ("the baseline before the surge", f"the peak, {model.shock:g} x the baseline")
    return [
        {"id": figure_id, "source": command, "text": text, "value": round(value, 3), "measure": measure}
        for figure_id, text, (measure, value) in zip(("B", "P"), texts, measures, strict=True)
    ]


def median_load(scenario: Scenario, unit: str) -> float:
    """The scenario's median load over its span, sampled each real minute, in ``unit``."""
    span = scenario.clock.duration_s
    users = sorted(scenario.real_users_at(t) for t in range(0, max(int(span), 1), 60))
    middle = users[len(users) // 2]
    return middle if unit == "concurrent_users" else middle * 3600 / scenario.session_duration_s


def _clock_start(args: argparse.Namespace) -> str:
    """--start less --lead, as a moment in --timezone."""
    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--timezone {args.timezone!r}: expected an IANA time zone, e.g. America/Toronto"
        ) from None
    try:
        start = parse_datetime(args.start, zone)
    except ValueError:
        raise UsageError(
            f'--start {args.start!r}: expected a date and time, e.g. "2025-03-11 09:00"'
        ) from None
    begin = start - timedelta(seconds=args.lead)
    return begin.strftime("%Y-%m-%d %H:%M:%S")


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if args.baseline_from:
        source = resolve_scenario(args.baseline_from)
        args.baseline = float(f"{median_load(load_scenario(source), args.unit):.4g}")
        if args.baseline <= 0:
            raise UsageError(
                f"--baseline-from {args.baseline_from}: expected a scenario whose median load is > 0"
            )
    like = resolve_scenario(args.like or args.baseline_from or DEFAULT_LIKE)
    scenario = write_scenario(flash_data(args, like), output, "flashcrowd scenario flash")
    unit = args.unit.replace("_", " ")
    print(
        f"Wrote {output}: a flash crowd of {args.baseline * args.shock:,.0f} {unit} at its peak "
        f"({scenario.users.peak.value:,.0f} concurrent users); see it with `flashcrowd plan {output}`"
    )
    return 0
