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
        return rng.lognormvariate(self._mu, self.sigma)

    def residual(self, rng: random.Random) -> float:
        """The time left of one such duration seen from a random moment: the interval the moment falls
        in is drawn in proportion to its length (a long think is more often caught), the moment uniformly
        in it. Its mean is E[X^2] / 2 E[X] (the mean itself for an exponential, half of it for a constant)."""
        if self.kind == "exponential":
            return self.sample(rng)  # memoryless
        if self.kind == "constant":
            length = self.mean
        elif self.kind == "uniform":  # length-biased: density in proportion to x on [low, high]
            length = math.sqrt(self.low**2 + rng.random() * (self.high**2 - self.low**2))
        else:  # a length-biased lognormal is lognormal with mu + sigma^2
            length = rng.lognormvariate(self._mu + self.sigma**2, self.sigma)
        return length * rng.random()

    @property
    def _mu(self) -> float:
        """Lognormal only: mu of the underlying normal, for the stated mean."""
        return math.log(self.mean) - self.sigma**2 / 2
