"""The target's own counters, counted at the server (some clients hide resets), as Prometheus text or JSON."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from dataclasses import dataclass, field

from target_app.capacity import Capacity

# Upper bounds (seconds) of the latency buckets: time in system, from parsed request to response ready.
BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)

COUNTERS = {
    "arrivals": "requests that reached the capacity model",
    "served": "requests a worker answered",
    "resets_queue_full": "connections reset because the waiting room was full",
    "resets_queue_timeout": "connections reset after waiting queue_timeout for a worker",
    "shed_queue_full": "requests turned away because the waiting room was full (any overload action)",
    "shed_queue_timeout": "requests turned away after waiting queue_timeout (any overload action)",
    "errors_5xx": "responses with a 5xx status",
    "errors_500_after_wait": "500 error pages for requests that waited past error_after_wait_s",
    "bad_requests": "malformed, oversized or unsupported requests answered 4xx before the model",
    "connections": "connections accepted",
    "tls_handshakes": "TLS handshakes completed (HTTPS only)",
    "tls_handshake_failures": "TLS handshakes the client left, cut short or refused (HTTPS only)",
}


@dataclass
class Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS_S) + 1))
    total_s: float = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS_S, seconds)] += 1
        self.total_s += seconds

    def cumulative(self) -> list[int]:
        running, out = 0, []
        for count in self.counts:
            running += count
            out.append(running)
        return out


class Metrics:
    def __init__(self, capacity: Capacity) -> None:
        self.capacity = capacity
        self.started = time.monotonic()
        self.counters: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.latency: dict[str, Histogram] = {}
        self.in_flight = 0  # admitted to the model and not yet answered (waiting or in service)

    def response(self, route: str, status: int, seconds: float) -> None:
        """A request a worker answered: ``seconds`` in the system."""
        self.counters["served"] += 1
        self.statuses[status] += 1
        if status >= 500:
            self.counters["errors_5xx"] += 1
        histogram = self.latency.get(route)
        if histogram is None:
            histogram = self.latency[route] = Histogram()
        histogram.observe(seconds)

    def snapshot(self) -> dict[str, object]:
        """Everything as plain data (the JSON endpoint)."""
        return {
            "uptime_s": round(time.monotonic() - self.started, 3),
            **{name: self.counters[name] for name in COUNTERS},
            "responses_by_status": {str(status): n for status, n in sorted(self.statuses.items())},
            "in_flight": self.in_flight,
            "queue_depth": self.capacity.queue_depth,
            "busy_workers": self.capacity.busy,
            "workers": self.capacity.workers,
            "queue": self.capacity.queue,
            "latency_buckets_s": list(BUCKETS_S),
            "routes": {
                route: {"count": sum(h.counts), "sum_s": round(h.total_s, 6), "cumulative": h.cumulative()}
                for route, h in sorted(self.latency.items())
            },
        }

    def prometheus(self) -> str:
        """The Prometheus text exposition format (version 0.0.4)."""
        lines = []
        for name, help_text in COUNTERS.items():
            lines += [
                f"# HELP flashcrowd_target_{name}_total {help_text}",
                f"# TYPE flashcrowd_target_{name}_total counter",
            ]
            lines.append(f"flashcrowd_target_{name}_total {self.counters[name]}")
        lines.append("# TYPE flashcrowd_target_responses_total counter")
        lines += [
            f'flashcrowd_target_responses_total{{status="{s}"}} {n}' for s, n in sorted(self.statuses.items())
        ]
        gauges = {
            "in_flight": self.in_flight,
            "queue_depth": self.capacity.queue_depth,
            "busy_workers": self.capacity.busy,
            "workers": self.capacity.workers,
            "queue_slots": self.capacity.queue,
        }
        for name, value in gauges.items():
            lines += [f"# TYPE flashcrowd_target_{name} gauge", f"flashcrowd_target_{name} {value}"]
        lines.append("# HELP flashcrowd_target_latency_seconds time in system per route, queueing included")
        lines.append("# TYPE flashcrowd_target_latency_seconds histogram")
        for route, histogram in sorted(self.latency.items()):
            label = route.replace("\\", "\\\\").replace('"', '\\"')
            bounds = [*(f"{b:g}" for b in BUCKETS_S), "+Inf"]
            for bound, count in zip(bounds, histogram.cumulative(), strict=True):
                lines.append(
                    f'flashcrowd_target_latency_seconds_bucket{{route="{label}",le="{bound}"}} {count}'
                )
            lines.append(f'flashcrowd_target_latency_seconds_sum{{route="{label}"}} {histogram.total_s:.6f}')
            lines.append(
                f'flashcrowd_target_latency_seconds_count{{route="{label}"}} {sum(histogram.counts)}'
            )
        return "\n".join(lines) + "\n"
