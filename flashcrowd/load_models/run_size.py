"""Whether this machine can hold a scenario's peak of simulated users, checked before a run starts.

A scale that rounds the crowd down to nobody, or blows it up past the memory
here, is a mistake in the input: the user hears it as one line naming the scale
(the flag, or the scenario file's line) instead of an empty run or a swapping one.
"""

from __future__ import annotations

from flashcrowd.scenario.model import Scenario
from flashcrowd.scenario.source import ScenarioSource
from flashcrowd_common.errors import FlashcrowdError, UsageError

# benchmarks/idle_visitors_memory.py measures 17-20 KB per visitor; its goal, 30 KB, leaves room for sockets.
BYTES_PER_VISITOR = 30 * 1024


def check_peak_fits(scenario: Scenario, scale_flag: float | None, available_bytes: int | None) -> None:
    """UsageError or ConfigError if the peak is under one simulated user or needs more memory than is free.

    ``available_bytes`` None skips the memory check (a master: its workers hold the visitors).
    """
    peak_users = scenario.scale * scenario.users.peak.value
    needed_bytes = peak_users * BYTES_PER_VISITOR
    if peak_users < 1:
        problem = f"gives {peak_users:.2g} simulated users at the peak; expected a scale giving at least 1"
    elif available_bytes is not None and needed_bytes > available_bytes:
        problem = (
            f"gives {peak_users:,.0f} simulated users at the peak, about {_gb(needed_bytes)} of generator "
            f"memory with {_gb(available_bytes)} free here; expected a smaller scale, or Locust workers "
            "on several machines (docs/distributed.md)"
        )
    else:
        return
    raise _scale_error(scenario, scale_flag, problem)


def _scale_error(scenario: Scenario, scale_flag: float | None, problem: str) -> FlashcrowdError:
    if scale_flag is not None:
        return UsageError(f"--scale {scale_flag:g}: {problem}")
    return ScenarioSource.read(scenario.path).error(("scale",), f"{scenario.scale:g} {problem}")


def _gb(size: float) -> str:
    return f"{size / 2**30:,.1f} GB"
