"""Where visitors come from: origins in proportion to the scenario's shares, spread evenly.

Drawn at random, the visitors of a few hundred sessions would be off the scenario's mix
by sqrt(p(1 - p) / n), 3 points for 300; the site's analytics would then disagree with
the scenario by chance. :class:`OriginDraw` diffuses the error instead: each draw adds
every origin's share to its credit and takes the origin with the most, so any run of
n visitors is within about one visitor of the shares at their moments, and the mix
follows the shares as they shift along the curve. Plain Python: every Locust process
and the CLI may import it.
"""

from __future__ import annotations

import random


def pick_origin(shares: dict[str, float], rng: random.Random) -> str:
    """An origin drawn at random by its share (the shares need not sum to one)."""
    names = list(shares)
    return rng.choices(names, weights=[max(shares[n], 0.0) for n in names])[0]


class OriginDraw:
    """One process's origins, drawn in turn so their counts keep to the shares (see the module)."""

    def __init__(self) -> None:
        self.credit: dict[str, float] = {}

    def __call__(self, shares: dict[str, float], rng: random.Random) -> str:
        total = sum(max(share, 0.0) for share in shares.values())
        if total <= 0:
            return pick_origin({name: 1.0 for name in shares}, rng)
        for name, share in shares.items():
            self.credit[name] = self.credit.get(name, 0.0) + max(share, 0.0) / total
        chosen = max(shares, key=lambda name: (self.credit[name], rng.random()))
        self.credit[chosen] -= 1.0
        return chosen
