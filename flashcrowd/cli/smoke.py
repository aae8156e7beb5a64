"""`flashcrowd smoke`: the CI gate. A short ci-smoke run against a site, judged by the scenario's SLOs."""

from __future__ import annotations

import argparse
import sys

from flashcrowd import options
from flashcrowd.bundled_paths import resolve_scenario
from flashcrowd.cli.common import add_command
from flashcrowd.cli.compare import compare_runs
from flashcrowd.cli.run import print_outcome
from flashcrowd.compare import tolerance
from flashcrowd.compare.inputs import load_record
from flashcrowd.launch.runner import execute, prepare_run
from flashcrowd.scenario import load_scenario
from flashcrowd_common.errors import UsageError

SMOKE_SCENARIO = "ci-smoke"
# The whole gate, start-up and report included, must fit in a minute of CI time.
MAX_CURVE_S = 50.0

DESCRIPTION = f"""\
Run the {SMOKE_SCENARIO} scenario (20 visitors for 40 s) against --host and judge it by
its SLOs over sliding windows: p95 latency, error rate, no connection resets. Without
--host the bundled target is started with the ci-small profile. With --scenario,
failed requests count whatever its SLOs: without an error_rate SLO of its own, the
default is errors under 1 % over 30 s, and a run in which every request failed never
passes. The run takes under a minute, start-up included; report.html, junit.xml (one test case per SLO),
summary.json and timeline.csv are kept in --out for the pipeline's artifacts.
With --baseline (a results directory or summary.json of an earlier run), the run
is also compared with it as `flashcrowd compare` does (compare.html and
compare-junit.xml in --out), and a figure regressed beyond tolerance exits 1.

exit codes: 0 passed, 1 SLO breached, 2 bad input, 3 target unreachable, 4 generator failure"""

EXAMPLES = """\
  flashcrowd smoke --host http://127.0.0.1:8080
  flashcrowd smoke --host http://localhost:8000 --out smoke-results --stop-on-breach
  flashcrowd smoke --host http://127.0.0.1:8080 --scenario my-smoke.yaml
  flashcrowd smoke --host http://127.0.0.1:8080 --baseline last-release-smoke/ --p95-tolerance 30%"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "smoke", "CI gate: a short run judged by SLOs", DESCRIPTION, EXAMPLES)
    options.add_to(
        parser,
        "smoke",
        defaults={"--out": "flashcrowd-smoke", "--scenario": SMOKE_SCENARIO},
        helps={
            "--out": "results directory, kept as a CI artifact",
            "--scenario": f"a scenario of at most {MAX_CURVE_S:.0f} s with SLOs, instead of {SMOKE_SCENARIO}",
            "--stop-on-breach": "fail fast at the first SLO breach",
        },
    )
    parser.add_argument(
        "--baseline", metavar="DIR", help="compare with this earlier run (results directory or summary.json)"
    )
    tolerance.add_arguments(parser)
    parser.set_defaults(func=run)


def check_smoke_scenario(name_or_path: str) -> None:
    """A smoke scenario must have SLOs to judge by and a curve short enough for the minute."""
    path = resolve_scenario(name_or_path)
    scenario = load_scenario(path)
    if not scenario.slos:
        raise UsageError(f"--scenario {name_or_path}: {path} has no slos; a smoke run needs SLOs to judge by")
    if scenario.clock.wall_duration_s > MAX_CURVE_S:
        raise UsageError(
            f"--scenario {name_or_path}: its curve runs {scenario.clock.wall_duration_s:.0f} s; a smoke run "
            f"expects at most {MAX_CURVE_S:.0f} s (use flashcrowd run for longer runs)"
        )


def run(args: argparse.Namespace) -> int:
    check_smoke_scenario(args.scenario)
    if args.baseline:
        load_record(args.baseline)  # a bad baseline is one line, before anything starts
    prepared = prepare_run(args)
    print(f"flashcrowd: smoke run of {args.scenario} ...", file=sys.stderr, flush=True)
    outcome = execute(prepared)
    print_outcome(outcome)
    print(f"JUnit: {outcome.out_dir / 'junit.xml'}")
    if not args.baseline:
        return outcome.exit_code
    compared = compare_runs(  # also after a breach: the artifacts then say what else got worse
        args.baseline,
        outcome.out_dir,
        tolerance.from_args(args),
        html=outcome.out_dir / "compare.html",
        junit=outcome.out_dir / "compare-junit.xml",
    )
    return outcome.exit_code or compared
