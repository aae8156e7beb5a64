"""`flashcrowd demo`: election night 2016 against the bundled site, in about two minutes."""

from __future__ import annotations

import argparse
import sys

from flashcrowd import options
from flashcrowd.cli.common import add_command
from flashcrowd.cli.run import print_outcome
from flashcrowd.launch.runner import RunOutcome, execute, prepare_run
from flashcrowd.planning.capacity import CapacityForecast, Crossing, forecast
from flashcrowd.results.break_types import Saturation
from flashcrowd_common.errors import ExitCode
from target_app.profile import load_profile

SCENARIO = "election-night-2016-11-08"
DEFAULT_DURATION = "2min"

DESCRIPTION = f"""\
Start the bundled site on 127.0.0.1 (the ircc-2016 profile), replay the
{SCENARIO} scenario through Locust, compressed to {DEFAULT_DURATION} of load
(19:00 to 03:00 Eastern), stop the site, and say whether and when it began
resetting connections, in real-world time and real-world users: where it
saturated, where it first failed (the application's 500s) and where the
resets began, next to what the site's queueing model predicts, and each
measured load over the model's (saturation with its standard error).

The 2016 site broke, and so does this one: the scenario's SLOs are breached
on purpose. The demo exits 0 once it has measured where the resets began
(3 if the site could not be reached, 4 if the load generator failed)."""

EXAMPLES = """\
  flashcrowd demo
  flashcrowd demo --duration 5min --out demo-results/
  flashcrowd demo --duration 30s --scale 0.002     # quicker and lighter"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers, "demo", "replay election night 2016 against the bundled site", DESCRIPTION, EXAMPLES
    )
    options.add_to(
        parser,
        "demo",
        defaults={"--duration": DEFAULT_DURATION},
        helps={
            "--duration": "wall duration of the load, e.g. 90s, 2min",
            "--scale": "simulated users per real-world user (default: 0.01)",
        },
    )
    parser.set_defaults(func=run, scenario=SCENARIO)


def run(args: argparse.Namespace) -> int:
    prepared = prepare_run(args)  # bad input is one line, before the banner
    clock = prepared.scenario.clock  # --begin/--end may cut the night
    span = f"{clock.real_time(0):%H:%M}-{clock.real_time(clock.wall_duration_s):%H:%M}"
    print(
        f"flashcrowd demo: election night, 8 Nov 2016, {span} Eastern in {args.duration}, "
        "against the bundled site on 127.0.0.1 ...",
        file=sys.stderr,
        flush=True,
    )
    outcome = execute(prepared)
    print_outcome(outcome)
    capacity = forecast(outcome.scenario, load_profile(outcome.scenario.target_profile))
    print(predicted_failures(capacity))
    if comparison := measured_against_forecast(outcome, capacity):
        print(comparison)
    measured = outcome.exit_code in (ExitCode.OK, ExitCode.SLO_BREACHED)
    return int(ExitCode.OK) if measured else outcome.exit_code


def predicted_failures(capacity: CapacityForecast) -> str:
    """Where the bundled profile's queueing models put the knee, the first 500s and the first resets on
    the same curve, the resets without retries (N* + K) and counting the scenario's retries."""
    told = "; ".join(
        f"{label} near {crossing.real_users:,.0f} real-world users{_when(crossing)}"
        for label, crossing in capacity.milestones()
    )
    return f"The {capacity.profile} profile's queueing model put the {told}."


def measured_against_forecast(outcome: RunOutcome, capacity: CapacityForecast) -> str | None:
    """Each load the run measured over the model's for it, e.g. 'Measured over the model: saturation
    0.77 of the knee (one standard error 0.13), ...'; None if the run measured none of them."""
    found = outcome.record.break_answer if outcome.record else None
    if found is None:
        return None
    pairs = (
        ("saturation", found.saturation, "the knee", capacity.knee),
        ("first failure", found.first_failure, "the first 500s", capacity.first_errors),
        ("resets", found.first_resets, "resets with retries", capacity.first_resets_with_retries),
    )
    told = []
    for label, measured, model_label, model in pairs:
        if measured is None or model is None:
            continue
        ratio = measured.real_users / model.real_users
        share = measured.relative_error if isinstance(measured, Saturation) else None
        spread = "" if share is None else f" (one standard error {ratio * share:.2f})"
        told.append(f"{label} {ratio:.2f} of {model_label}{spread}")
    return f"Measured over the model: {', '.join(told)}." if told else None


def _when(crossing: Crossing) -> str:
    return f" ({crossing.real_time})" if crossing.real_time else ""
