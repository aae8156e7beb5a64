"""``flashcrowd scenario``: write scenarios from what you already hold; one module per way of writing one."""

from __future__ import annotations

import argparse

from flashcrowd.cli.common import add_command
from flashcrowd.cli.scenario import flash, from_har, from_log

WAYS = (flash, from_log, from_har)

SUMMARY = "write a scenario from a flash-crowd model, access logs or a browser recording"

DESCRIPTION = """\
Write a scenario file for your own event: from a flash-crowd model (flash), from your
access logs (from-log) or from a browser recording (from-har). Each file loads as written;
check it with `flashcrowd plan FILE` before you run it."""

EXAMPLES = """\
  flashcrowd scenario flash --baseline 8000 --shock 20 --start "2025-03-11 09:00" --output launch.yaml
  flashcrowd scenario from-log /var/log/nginx/access.log* --output my-site.yaml
  flashcrowd scenario from-har checkout.har --output checkout.yaml"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(subparsers, "scenario", SUMMARY, DESCRIPTION, EXAMPLES)
    ways = parser.add_subparsers(title="ways", metavar="WAY", required=True)
    for way in WAYS:
        way.register(ways)
