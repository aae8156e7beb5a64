"""A search's answer, typed and immutable: what find-break.json holds, and what the CLI and charts read.

``SearchAnswer.to_json()`` is the document find-break.json stores (docs/find-break.md
names each field); ``read_answer(path)`` reads one back in the CLI's process, which
did not run the search.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flashcrowd.breakpoint.criteria import StepMeasure, Verdict
from flashcrowd.results.break_types import BreakAnswer, FirstFailure, FirstResets, LoadPoint, Saturation
from flashcrowd.results.codec import JSON_NAME, decode, decode_fields, encode, encode_fields
from flashcrowd.results.record_upgrade import ANSWER_FORMAT, upgraded_answer


@dataclass(frozen=True)
class Recovery:
    """How long the site took to drain after each failing step, and the longest of those."""

    longest: float
    each: tuple[float, ...]


@dataclass(frozen=True)
class PredictedBreak:
    """The bundled target's analytic prediction (prediction.py), and how far measured resets lay from it.

    ``break_`` is where resets begin without the scenario's retries (N* + K in the closed model);
    ``break_with_retries`` counts them, as ``flashcrowd plan`` and the demo do.
    """

    knee: float
    break_: float = field(metadata={JSON_NAME: "break"})
    basis: str
    break_with_retries: float | None
    retries_basis: str
    break_deviation: float | None


@dataclass(frozen=True)
class Step:
    """One step: what its measuring window saw and the verdict on it (one flat object in the JSON)."""

    measure: StepMeasure
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        return {**encode(self.measure), **encode(self.verdict)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        return cls(decode(StepMeasure, data), decode(Verdict, data))


@dataclass(frozen=True, kw_only=True)
class SearchAnswer:
    """The three loads (saturation, first failure, first resets) with their evidence, and every step."""

    format: int = ANSWER_FORMAT  # find-break.json's layout; record_upgrade.py reads earlier ones
    model: str  # closed or open (units.py)
    unit: str
    load_per_user: float
    scale: float
    stopped: str | None  # a search.Stop value; None when interrupted
    stop_reason: str
    saturation: Saturation | None
    first_failure: FirstFailure | None
    first_resets: FirstResets | None
    resets_looked_up_to: LoadPoint | None
    reset_search_cut: str | None
    recovery_s: Recovery | None
    last_good: LoadPoint | None
    first_bad: FirstFailure | None  # first_failure without ``held``, as earlier releases named it
    failure_kind: str | None
    knee: LoadPoint | None
    # The first bad load, as earlier releases named it.
    break_: LoadPoint | None = field(metadata={JSON_NAME: "break"})
    inconclusive: str | None  # why the generator, not the site, was the limit
    prediction: PredictedBreak | None
    steps: tuple[Step, ...]
    settings: Mapping[str, Any]

    def loads(self) -> BreakAnswer:
        """The three loads, as a run record's ``break`` holds them."""
        return BreakAnswer(
            saturation=self.saturation, first_failure=self.first_failure, first_resets=self.first_resets
        )

    def to_json(self) -> dict[str, Any]:
        """find-break.json's document: the fields in order, each step one flat object."""
        return encode_fields(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SearchAnswer:
        """The answer a find-break.json document of any format holds; FormatError names the first key
        that does not fit."""
        return decode_fields(cls, upgraded_answer(data))


def write_answer(answer: SearchAnswer, path: Path) -> None:
    path.write_text(json.dumps(answer.to_json(), indent=2) + "\n")


def read_answer(path: Path) -> SearchAnswer | None:
    """The answer Locust wrote at ``path``; None if it wrote none, or half of one."""
    try:
        return SearchAnswer.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):  # FormatError is a ValueError
        return None
