"""`flashcrowd compare BASELINE CURRENT`: did this build get worse than the last one, beyond noise?"""

from __future__ import annotations

import argparse
from pathlib import Path

from flashcrowd.cli.common import add_command
from flashcrowd.compare import render, tolerance
from flashcrowd.compare.figures import compare
from flashcrowd.compare.inputs import load_record
from flashcrowd.compare.tolerance import Tolerances
from flashcrowd_common.errors import ExitCode, UsageError

SUMMARY = "compare a run with a baseline run; exit 1 on a regression"

DESCRIPTION = """\
Set two runs side by side (results directories or their summary.json): total and
per-page p95 and error rates, throughput and p95 at the highest load both held,
and the loads and moments of saturation, first failure and first resets (from the
summary's break key when it has one, else the first reset). Each figure is judged
against a tolerance that tells noise from a regression; a figure regresses only
beyond both its relative and its absolute allowance.

exit codes: 0 no regression, 1 a figure regressed beyond tolerance, 2 bad input"""

EXAMPLES = """\
  flashcrowd compare results/last-release results/this-build
  flashcrowd compare baseline/summary.json current/ --p95-tolerance 30% --p95-floor 10ms
  flashcrowd compare baseline/ current/ --html compare.html --junit compare-junit.xml"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "compare", SUMMARY, DESCRIPTION, EXAMPLES)
    parser.add_argument(
        "baseline", metavar="BASELINE", help="results directory or summary.json of the baseline"
    )
    parser.add_argument("current", metavar="CURRENT", help="results directory or summary.json of this run")
    parser.add_argument("--html", metavar="PATH", help="also write the comparison as an HTML page")
    parser.add_argument("--junit", metavar="PATH", help="also write it as JUnit XML (one test case a figure)")
    tolerance.add_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return compare_runs(
        args.baseline, args.current, tolerance.from_args(args), html=args.html, junit=args.junit
    )


def compare_runs(
    baseline: str | Path,
    current: str | Path,
    tolerances: Tolerances,
    *,
    html: str | Path | None = None,
    junit: str | Path | None = None,
) -> int:
    """Print the comparison, write the files asked for; 1 if a figure regressed, else 0."""
    figures = compare(load_record(baseline), load_record(current), tolerances)
    print(render.terminal(figures, str(baseline), str(current)))
    for flag, path, text in (
        ("--html", html, lambda: render.html_page(figures, str(baseline), str(current))),
        ("--junit", junit, lambda: render.junit_xml(figures)),
    ):
        if path:
            _write(flag, Path(path), text())
    return int(ExitCode.SLO_BREACHED if render.regressed(figures) else ExitCode.OK)


def _write(flag: str, path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(
            f"{flag} {path}: cannot write it ({error.strerror}); expected a writable file"
        ) from None
