"""``flashcrowd target``: serve the bundled site under a capacity profile, or explain what it predicts."""

from __future__ import annotations

import argparse

from flashcrowd.cli.common import add_command
from target_app import command

SUMMARY = "serve the bundled mock site (resets when its capacity model overflows)"

DESCRIPTION = """\
Serve the bundled mock immigration site on 127.0.0.1. Its capacity model (workers, waiting room,
queue timeout, service times) decides when it resets connections, as the 2016 site did.
It prints 'flashcrowd-target listening on URL' first and stops on Ctrl-C / SIGTERM."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "target", SUMMARY, DESCRIPTION, command.EXAMPLES)
    command.add_arguments(parser)
    parser.set_defaults(func=command.run)
