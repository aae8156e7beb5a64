"""flashcrowd's errors and exit codes; defined in flashcrowd_common.errors, shared with target_app."""

from flashcrowd_common.errors import (
    ConfigError,
    ExitCode,
    FlashcrowdError,
    GeneratorError,
    RefusedTargetError,
    TargetUnreachableError,
    Terminated,
    UsageError,
)

__all__ = [
    "ConfigError",
    "ExitCode",
    "FlashcrowdError",
    "GeneratorError",
    "RefusedTargetError",
    "TargetUnreachableError",
    "Terminated",
    "UsageError",
]
