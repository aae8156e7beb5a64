"""The ``flashcrowd`` command, in the user's own process: one module per subcommand, each with its
parser and its action side by side; launch/ starts what runs elsewhere.

A subcommand module exposes ``register(subparsers)``, which adds its parser with
``parser.set_defaults(func=run)``; ``run(args) -> int`` returns an exit code.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from flashcrowd import __version__
from flashcrowd.cli import compare, demo, find_break, plan, run, scenario, smoke, target
from flashcrowd_common.errors import ExitCode, FlashcrowdError, Terminated
from flashcrowd_common.parser import OneLineErrorParser

COMMANDS = (demo, run, plan, scenario, target, find_break, smoke, compare)

EPILOG = """\
examples:
  flashcrowd demo                                   # election night against the bundled site
  flashcrowd plan election-night-2016-11-08         # what a scenario models, without load
  flashcrowd scenario from-log access.log.gz -o my-site.yaml   # a scenario from your own logs
  flashcrowd run scenarios/ci-smoke.yaml            # run a scenario (starts the bundled site)
  flashcrowd find-break --profile ci-small          # where the bundled site starts resetting
  flashcrowd smoke --host http://127.0.0.1:8080     # CI gate on the ci-smoke SLOs
  flashcrowd compare results/before results/after   # exit 1 if a figure regressed beyond noise

exit codes: 0 passed, 1 SLO breached, 2 bad configuration or usage,
            3 target unreachable, 4 load generator failure
"""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="flashcrowd",
        description="Replay a flash crowd against a site and find the load at which it starts "
        "resetting connections.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"flashcrowd {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FlashcrowdError as error:
        print(f"flashcrowd: error: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("flashcrowd: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    except Terminated:
        print("flashcrowd: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except BrokenPipeError:
        return int(ExitCode.OK)
