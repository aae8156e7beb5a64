"""``Distribution``: a random duration in seconds (constant, exponential, uniform, lognormal), sampled.

Scenario think times and target profile service times are both written as one.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Distribution:
    """A positive random duration in seconds."""

    kind: str  # constant, exponential, uniform, lognormal
    mean: float
    low: float = 0.0  # uniform only
    high: float = 0.0  # uniform only
    sigma: float = 0.5  # lognormal only: sigma of the underlying normal

    @classmethod
    def uniform(cls, low: float, high: float) -> Distribution:
        """Uniform between ``low`` and ``high`` seconds (the caller checks low <= high)."""
        return cls("uniform", (low + high) / 2, low=low, high=high)

    def sample(self, rng: random.Random) -> float:
        if self.kind == "constant":
            return self.mean
        if self.kind == "exponential":
            return rng.expovariate(1.0 / self.mean) if self.mean > 0 else 0.0
        if self.kind == "uniform":
            return rng.uniform(self.low, self.high)
        mu = math.log(self.mean) - self.sigma**2 / 2  # lognormal with the stated mean
        return rng.lognormvariate(mu, self.sigma)
