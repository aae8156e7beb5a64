"""Subcommands with the shared help layout and one-line errors (flashcrowd_common.parser)."""

from __future__ import annotations

import argparse

from flashcrowd_common.parser import HelpFormatter


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
