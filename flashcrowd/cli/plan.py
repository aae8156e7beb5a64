"""Placeholder until its owner lands it: `flashcrowd plan`."""

from __future__ import annotations

import argparse

from flashcrowd.cli.common import add_command
from flashcrowd.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "plan", "(not built yet)", "(not built yet)", "  -")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise UsageError("plan is not built yet")
