"""``flashcrowd target``: serve the bundled site under a capacity profile, or explain what it predicts."""

from __future__ import annotations

import argparse

from flashcrowd.cli.common import add_command
from target_app import command


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "target",
        "serve the bundled mock site (resets when its capacity model overflows)",
        "Serve the bundled mock immigration site on 127.0.0.1. Its capacity model (workers, waiting room,\n"
        "queue timeout, service times) decides when it resets connections, as the 2016 site did.\n"
        "It prints 'flashcrowd-target listening on URL' first and stops on Ctrl-C / SIGTERM.",
        command.EXAMPLES,
    )
    command.add_arguments(parser)
    parser.set_defaults(func=command.run)
