"""The argparse parser and help layout every command shares: one-line usage errors, exit code 2."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from flashcrowd_common.errors import ExitCode


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
