"""Subcommands with the shared help layout and one-line errors (flashcrowd_common.parser), common options."""

from __future__ import annotations

import argparse

from flashcrowd_common.parser import HelpFormatter
from flashcrowd_common.safety import ALLOW_ENV, ALLOW_FLAG


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
