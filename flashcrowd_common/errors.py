"""Errors a user can act on, and the exit codes every command shares.

Each error renders as one line; the CLI prints it without a traceback and
exits with the error's code.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Documented exit codes (docs/cli.md)."""

    OK = 0
    SLO_BREACHED = 1
    USAGE = 2  # bad flag, bad scenario, refused target
    TARGET_UNREACHABLE = 3
    GENERATOR_FAILURE = 4


class Terminated(BaseException):
    """SIGTERM arrived during a run; the CLI exits 143.

    A BaseException, like Ctrl-C's KeyboardInterrupt, so no ``except Exception`` swallows it
    and every ``finally`` on the way out stops the children, by PID.
    """


class FlashcrowdError(Exception):
    """An error with a one-line message and the exit code it maps to."""

    exit_code: ExitCode = ExitCode.USAGE


class UsageError(FlashcrowdError):
    """A wrong flag, value or file named on the command line."""


class ConfigError(FlashcrowdError):
    """A scenario or profile that does not match its schema.

    Renders as ``file:line: key: expected`` so editors can jump to it.
    """

    def __init__(self, path: str | Path, line: int | None, key: str, expected: str) -> None:
        self.path = str(path)
        self.line = line
        self.key = key
        self.expected = expected
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {key}: {expected}")


class RefusedTargetError(FlashcrowdError):
    """The target is not on this machine and the user did not allow that."""


class TargetUnreachableError(FlashcrowdError):
    exit_code = ExitCode.TARGET_UNREACHABLE


class GeneratorError(FlashcrowdError):
    """The load generator itself failed (crashed, lost its workers, ran out of ports)."""

    exit_code = ExitCode.GENERATOR_FAILURE
