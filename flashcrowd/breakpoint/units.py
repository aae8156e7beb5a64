"""What one unit of load means in each model, and its real-world equivalent through the scenario's scale."""

from __future__ import annotations

from dataclasses import dataclass

from flashcrowd.results.pacing import Pacing

MODELS = ("closed", "open")


@dataclass(frozen=True)
class LoadUnits:
    """Converts the search's Locust user counts to offered load and to real-world figures."""

    model: str  # closed: concurrent visitors; open: session arrivals per second
    per_user: float  # offered load one Locust user stands for (1 visitor, or one stream's arrival rate)
    scale: float  # simulated users per real-world user
    session_duration_s: float  # real-world mean session, for Little's law in the open model
    pacing: Pacing | None = None  # what one unit of load asks while the site keeps up (results/pacing.py)

    @property
    def unit(self) -> str:
        return "concurrent visitors" if self.model == "closed" else "sessions/s"

    @property
    def unit_one(self) -> str:
        """One unit of load, in words."""
        return "visitor" if self.model == "closed" else "session/s"

    def offered(self, users: int) -> float:
        """The load ``users`` Locust users offer, in :attr:`unit`."""
        return users * self.per_user

    def users(self, offered: float) -> int:
        """The Locust users that offer ``offered`` (the nearest whole number): :meth:`offered`'s inverse."""
        return round(offered / self.per_user)

    def real_world(self, offered: float) -> dict[str, float]:
        """Real-world equivalents of a simulated load: users, and for the open model sessions per hour."""
        real = offered / self.scale
        if self.model == "closed":
            return {"concurrent_users": real}
        # Little's law: concurrent users = arrival rate x mean session duration.
        return {"sessions_per_hour": real * 3600, "concurrent_users": real * self.session_duration_s}
