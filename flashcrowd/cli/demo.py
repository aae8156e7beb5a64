"""Placeholder until its owner lands it: `flashcrowd demo`."""

from __future__ import annotations

import argparse

from flashcrowd.cli.common import add_command
from flashcrowd.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "demo", "(not built yet)", "(not built yet)", "  -")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise UsageError("demo is not built yet")
