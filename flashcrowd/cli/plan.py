"""`flashcrowd plan`: what a scenario models and asks for, shown without sending any load."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from flashcrowd import options
from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.cli.common import add_command
from flashcrowd.planning import as_json, as_text, make_plan, write_png
from flashcrowd.scenario import load_scenario
from flashcrowd.scenario.quantities import DURATION_EXPECTED, parse_duration
from flashcrowd_common.errors import UsageError
from target_app.profile import load_profile

DEFAULT_PNG_DIR = Path("flashcrowd-results")

SUMMARY = "show what a scenario models, without load"

DESCRIPTION = """\
Show what a scenario models, without sending any load: its curve in the terminal
(and as a PNG), the documented figures it cites next to its own real-world
equivalents, what the curve implies in the other units (Little's law, with a
warning where units contradict each other), the simulated run (peak users,
expected requests/s, wall-clock time), and where the bundled target's knee and
first resets should fall on the curve."""

EXAMPLES = """\
  flashcrowd plan election-night-2016-11-08
  flashcrowd plan scenarios/storm-week-2016-11-08-16.yaml --png storm.png
  flashcrowd plan my-event.yaml --scale 1 --duration 10min --profile ci-small
  flashcrowd plan day-after-2016-11-09 --json | jq .figures"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "plan", SUMMARY, DESCRIPTION, EXAMPLES)
    parser.add_argument("scenario", metavar="SCENARIO", help="scenario file, or the name of a bundled one")
    options.add_to(
        parser,
        "plan",
        helps={
            "--duration": "plan the run for this wall duration, e.g. 90s, 10min",
            "--profile": "target_app profile to forecast (default: the scenario's target)",
        },
    )
    parser.add_argument(
        "--png", metavar="PATH", help=f"where to write the chart (default: {DEFAULT_PNG_DIR}/plan-NAME.png)"
    )
    parser.add_argument("--no-png", action="store_true", help="do not write the PNG")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON instead of text")
    parser.set_defaults(func=run)


def _duration_s(text: str) -> float | None:
    if not text:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        raise UsageError(f"--duration {text!r}: expected {DURATION_EXPECTED}") from None


def run(args: argparse.Namespace) -> int:
    scenario = load_scenario(
        resolve_scenario(args.scenario),
        scale=args.scale,
        compress=args.compress,
        duration_s=_duration_s(args.duration),
        begin=args.begin,
        end=args.end,
    )
    plan = make_plan(scenario, load_profile(args.profile or scenario.target_profile))
    png = None
    if not args.no_png:
        path = Path(args.png) if args.png else DEFAULT_PNG_DIR / f"plan-{scenario.name}.png"
        try:
            png = write_png(plan, path)
        except OSError as error:
            raise UsageError(
                f"--png {path}: cannot write it ({error.strerror}); expected a writable path"
            ) from None
    if args.json:
        print(json.dumps({**as_json(plan), "png": str(png) if png else None}, indent=2))
    else:
        print(as_text(plan) + (f"\n\nChart written to {png}" if png else ""))
    return 0
