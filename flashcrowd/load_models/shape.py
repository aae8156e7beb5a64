"""The locustfile's one load shape (Locust allows one per locustfile): it ticks the shape of the load
model the run chose with ``--load-model``, which the set-up hands it at ``init``."""

from __future__ import annotations

from typing import Any

from locust import LoadTestShape, User


class LoadModelShape(LoadTestShape):
    """Delegates to the chosen model's shape (:meth:`drive`); before it has one, it stops the run."""

    abstract = False

    def __init__(self) -> None:
        super().__init__()
        self.model: LoadTestShape | None = None

    def drive(self, shape: LoadTestShape) -> None:
        """Tick ``shape`` from now on, on this shape's runner and clock."""
        shape.runner = self.runner
        shape.start_time = self.start_time
        self.model = shape

    def reset_time(self) -> None:
        super().reset_time()
        if self.model is not None:
            self.model.reset_time()

    def tick(self) -> tuple[int, float] | tuple[int, float, list[type[User]] | None] | None:
        return None if self.model is None else self.model.tick()

    def __getattr__(self, name: str) -> Any:
        """What the recorder and tests read of the model's shape (``last_target_users``, its tracking)."""
        model = self.__dict__.get("model")
        if model is None:
            raise AttributeError(name)
        return getattr(model, name)
