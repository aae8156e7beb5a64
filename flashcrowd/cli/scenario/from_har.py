"""``flashcrowd scenario from-har``: a scenario whose visitors do what a browser recording did."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from flashcrowd.cli.common import add_command
from flashcrowd.logs.har import Recording, read_har
from flashcrowd.logs.journeys import slug
from flashcrowd.logs.scenario import SLOS
from flashcrowd.scenario.model import ASSETS
from flashcrowd.scenario.writer import write_scenario
from flashcrowd_common.arguments import positive, positive_duration

DEFAULT_THINK_S = 20.0  # after the last page when the recording has one page view

DESCRIPTION = """\
Read a browser recording (HAR 1.2: Chrome, Firefox or Safari's developer tools,
"Save all as HAR") and write a scenario whose visitors do what it did: the page
views in order (the HAR's own pages; guessed from its HTML answers only when it
names none), each form POST with its recorded fields, the assets each page loaded
from the site, iframes included (the first page's as the journey's assets, later
pages' as steps without think time), and the think times between page views
(DEFAULT_THINK when there is one). The site is the host of the first page that
answered with HTML, after any redirects; other hosts are left out. The load is
--users concurrent users for --length, with SLOs on latency, errors (a path the
site lacks fails the run) and resets; edit the curve, or paste the journey into a
scenario of your own. Run it with --host: the bundled site lacks your paths.""".replace(
    "DEFAULT_THINK", f"{DEFAULT_THINK_S:g} s"
)

EXAMPLES = """\
  flashcrowd scenario from-har checkout.har --output checkout.yaml
  flashcrowd scenario from-har signup.har --users 200 --length 30min -o signup.yaml"""


def register(ways: argparse._SubParsersAction) -> None:
    parser = add_command(ways, "from-har", "a scenario from a browser recording (HAR)", DESCRIPTION, EXAMPLES)
    parser.add_argument("har", metavar="FILE.har", help="the recording")
    parser.add_argument(
        "--output", "-o", required=True, metavar="FILE.yaml", help="where to write the scenario"
    )
    parser.add_argument("--users", type=positive, default=10.0, help="concurrent users in the scenario")
    parser.add_argument(
        "--length", type=positive_duration, default="10min", help="real-world length of the curve"
    )
    parser.add_argument("--name", help="the scenario's name (default: the output file's stem)")
    parser.set_defaults(func=run)


def _steps(recording: Recording) -> list[dict[str, Any]]:
    thinks = recording.think_times()
    steps: list[dict[str, Any]] = []
    for index, page in enumerate(recording.pages):
        step: dict[str, Any] = {
            "name": slug(page.path),
            ("post" if page.method == "POST" else "get"): page.path,
        }
        if page.form is not None:
            step["form"] = page.form
        if index < len(thinks):
            step["think"] = f"{thinks[index]:.3g}s"
        steps.append(step)
        if index:  # the first page's assets are the journey's
            steps += [{"name": ASSETS, "get": asset, "think": "0s"} for asset in page.assets]
    return steps


def har_data(recording: Recording, har: Path, name: str, users: float, length_s: float) -> dict[str, Any]:
    """Scenario data: one journey, the recording's; a flat curve of ``users`` for ``length_s``."""
    thinks = recording.think_times()
    mean_think = sum(thinks) / len(thinks) if thinks else DEFAULT_THINK_S
    start = datetime.fromtimestamp(recording.pages[0].started).strftime("%Y-%m-%d %H:%M:%S")
    journey: dict[str, Any] = {"name": slug(har.stem) or "recording", "weight": 1}
    if recording.pages[0].assets:
        journey["assets"] = recording.pages[0].assets
    journey["steps"] = _steps(recording)
    left_out = "; ".join(f"{count} {reason}" for reason, count in recording.skipped.items()) or "nothing"
    views = "as the HAR names them" if recording.named_pages else "guessed from its HTML answers"
    think = (
        "the recording's mean gap between page views"
        if thinks
        else f"{DEFAULT_THINK_S:g} s (one page view: no gap to measure)"
    )
    return {
        "flashcrowd": 1,
        "name": name,
        "description": (
            f"The browser recording {har.name} of {recording.host}: {len(recording.pages)} page views "
            f"({views}) in order with their forms and assets and the recorded think times between them "
            f"(left out: {left_out}). The load is a flat {users:g} concurrent users; the think time after "
            f"the last page is {think}."
        ),
        "clock": {"start": start, "timezone": "UTC", "compress": 1},
        "load": {
            "unit": "concurrent_users",
            "keyframes": [{"at": "+0s", "value": users}, {"hold": f"{length_s:g}s"}],
        },
        "origins": [{"at": "+0s", "shares": {"other": 1.0}}],
        "think_time": {"distribution": "exponential", "mean": f"{max(mean_think, 0.001):.3g}s"},
        "journeys": [journey],
        "slos": SLOS,
        "seed": 1,
    }


def run(args: argparse.Namespace) -> int:
    har, output = Path(args.har), Path(args.output)
    recording = read_har(har)
    data = har_data(recording, har, args.name or output.stem, args.users, args.length)
    scenario = write_scenario(data, output, "flashcrowd scenario from-har")
    steps = scenario.journeys[0].steps
    forms = sum(1 for step in steps if step.method == "POST")
    print(
        f"Wrote {output}: one journey of {len(recording.pages)} page views ({forms} form posts, "
        f"{len(steps) - len(recording.pages)} assets) from {recording.host}; "
        f"see it with `flashcrowd plan {output}` and run it with --host URL of {recording.host}"
    )
    return 0
