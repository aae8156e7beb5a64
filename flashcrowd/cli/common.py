"""Pieces every subcommand's parser shares: one-line errors, help layout, common options."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from flashcrowd.errors import ExitCode
from flashcrowd.safety import ALLOW_ENV, ALLOW_FLAG


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each option; description and examples kept as written."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        # No "(default: None)", "(default: False)" or "(default: )": an unset option or a flag says nothing.
        unset = action.default is None or action.default is False or action.default == ""
        if unset or "(default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class OneLineErrorParser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(ExitCode.USAGE)


def add_command(
    subparsers: argparse._SubParsersAction, name: str, summary: str, description: str, examples: str
) -> argparse.ArgumentParser:
    """Add a subcommand parser with the shared help layout and one-line errors."""
    return subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog=f"examples:\n{examples}",
        formatter_class=HelpFormatter,
    )


def add_host_options(parser: argparse.ArgumentParser) -> None:
    """--host and the explicit opt-in for targets that are not on this machine."""
    parser.add_argument(
        "--host",
        metavar="URL",
        help="site to load; without it the bundled target_app is started on 127.0.0.1",
    )
    parser.add_argument(
        ALLOW_FLAG,
        action="store_true",
        help=f"allow a --host that is not 127.0.0.1/localhost/[::1] (or set {ALLOW_ENV}=1)",
    )
