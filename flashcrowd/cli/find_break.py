"""`flashcrowd find-break`: search for the load at which a site starts resetting connections."""

from __future__ import annotations

import argparse

from flashcrowd import options
from flashcrowd.breakpoint.answer import read_answer
from flashcrowd.breakpoint.result import summary_lines
from flashcrowd.cli.common import add_command
from flashcrowd.launch.runner import launch, prepare_run
from flashcrowd_common.errors import ExitCode, GeneratorError

DEFAULT_SCENARIO = "probe-election-night"
SUMMARY = "find the load at which a site starts resetting connections"

DESCRIPTION = """\
Double the load until a step fails, look further up (--reset-search) for connection
resets, then bisect between the last good and the first bad step for both, until they
are within --resolution or the --budget is spent. Each step has a warm-up and a
measuring window; after a failing step the load drops to zero until the site answers
near its idle latency again (--drain-timeout), and only requests sent in a step count
in it. A step fails when the site did not serve what it was offered, whatever the way:
failed requests of any kind (resets, refusals, timeouts, connections closed, 5xx) over
--max-failure-rate; in the open model, fewer answers than requests sent (--min-served);
p95 over --max-latency-factor times the lightest step's, or over --max-p95 (default:
the scenario's p95 SLO). A step the load generator could not deliver (CPU, arrivals
behind schedule, missing users, no free ports) is inconclusive, never a break.

The answer names three loads: where the site saturated (throughput stopped rising),
where it first failed and how, and where resets began (or that they never did). Without
--host the bundled target_app is started with --profile, and the analytic prediction
is set beside the measurement. Writes find-break.json and find-break.png into --out.

closed model: load = concurrent visitors following the scenario's journeys and think time
open model:   load = new sessions a second (Poisson), which keep arriving when the site slows

exit codes: 0 answered, 2 bad input, 3 target unreachable, 4 load generator limited or failed"""

EXAMPLES = """\
  flashcrowd find-break --profile ci-small
  flashcrowd find-break --model open --profile ircc-2016 --out results/
  flashcrowd find-break --host http://127.0.0.1:8080 --scenario my-site.yaml --start 50 --max-p95 2s
  flashcrowd find-break --host http://127.0.0.1:8080 --workers 2 --budget 5min --resolution 2%"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "find-break", SUMMARY, DESCRIPTION, EXAMPLES)
    options.add_to(
        parser,
        "find-break",
        defaults={"--scenario": DEFAULT_SCENARIO},
        helps={
            "--scenario": "visitors' journeys, think time and scale (file or name)",
            "--out": "results directory (default: flashcrowd-results/find-break-TIME/)",
        },
    )
    parser.set_defaults(func=run, load_model="find-break")


def run(args: argparse.Namespace) -> int:
    """Check everything, start the site if needed, run the search in Locust, print the answer."""
    prepared = prepare_run(args)
    child_code, _url = launch(prepared)
    result_path = prepared.out_dir / prepared.model.result_name
    answer = read_answer(result_path)
    if answer is None:
        if child_code in (ExitCode.USAGE, ExitCode.TARGET_UNREACHABLE):
            return child_code  # Locust has said why, in one line
        raise GeneratorError(
            f"Locust exited with code {child_code} and wrote no {result_path.name}; "
            f"see {prepared.out_dir / 'locust.log'}"
        )
    print("\n".join(summary_lines(answer, result_path)))
    return int(ExitCode.GENERATOR_FAILURE if answer.stopped == "inconclusive" else ExitCode.OK)
