"""The flash-crowd model: a baseline, then a surge shaped by its shock level, as a load curve.

Ari, Hong, Miller and Stavrou (2003, "Managing flash crowds on the Internet")
describe a flash crowd by its shock level S = peak / baseline and three phases
whose lengths follow from it: the ramp-up shortens as the shock grows
(∝ 1 / log10(1 + S)), the sustained peak lengthens (∝ log10(1 + S)), and the
ramp-down lasts several times the ramp-up. ``time_unit`` is the constant of
proportionality the user chooses (one hour: a shock of 20 ramps up in 45 min,
stays 1 h 19 min and decays over 3 h at the default decay of 4 ramp-ups).
The phases are joined linearly, like any keyframes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flashcrowd.scenario.curve import Keyframe

DEFAULT_DECAY = 4.0  # ramp-down lengths per ramp-up length


@dataclass(frozen=True)
class Phase:
    """One phase of the surge: its name, when it runs (real seconds since the clock's start), its values."""

    name: str  # ramp-up, sustained, ramp-down
    start_s: float
    end_s: float
    from_value: float
    to_value: float


@dataclass(frozen=True)
class FlashCrowd:
    """A surge of shock ``shock`` on ``baseline``, starting (ramp-up) at ``start_s``."""

    baseline: float
    shock: float  # S = peak / baseline
    start_s: float
    time_unit_s: float
    decay: float = DEFAULT_DECAY

    @property
    def peak(self) -> float:
        return self.baseline * self.shock

    @property
    def ramp_up_s(self) -> float:
        return self.time_unit_s / math.log10(1 + self.shock)

    @property
    def sustained_s(self) -> float:
        return self.time_unit_s * math.log10(1 + self.shock)

    @property
    def ramp_down_s(self) -> float:
        return self.decay * self.ramp_up_s

    @property
    def end_s(self) -> float:
        """When the ramp-down is back at the baseline."""
        return self.start_s + self.ramp_up_s + self.sustained_s + self.ramp_down_s

    def phases(self) -> tuple[Phase, Phase, Phase]:
        """Ramp-up, sustained and ramp-down, in order."""
        peak_s = self.start_s + self.ramp_up_s
        down_s = peak_s + self.sustained_s
        return (
            Phase("ramp-up", self.start_s, peak_s, self.baseline, self.peak),
            Phase("sustained", peak_s, down_s, self.peak, self.peak),
            Phase("ramp-down", down_s, self.end_s, self.peak, self.baseline),
        )

    def keyframes(self) -> tuple[Keyframe, ...]:
        """The curve: the baseline from the clock's start, then the three phases."""
        frames = [Keyframe(0.0, self.baseline)] if self.start_s > 0 else []
        frames.append(Keyframe(self.start_s, self.baseline))
        frames += [Keyframe(phase.end_s, phase.to_value) for phase in self.phases()]
        return tuple(frames)
