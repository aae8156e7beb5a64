"""The bundled target measured against queueing theory: short, seeded runs with small service times."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from target_app.theory import max_throughput, mmck

pytestmark = pytest.mark.load

SMALL_PAGE = "/assets/img/wmms-blk.png"  # static class, a few KB: the client stays cheap


def probe(target, *args: str) -> dict:
    """Run target_app.probe in its own process, so the client does not share the target's core."""
    command = [sys.executable, "-m", "target_app.probe", target.url, "--path", SMALL_PAGE, *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)


def test_saturated_throughput_is_within_5_percent_of_c_over_s(target_factory):
    workers, service_s = 4, 0.010
    target = target_factory(
        "ci-small",
        [
            "--workers",
            str(workers),
            "--queue",
            "64",
            "--queue-timeout",
            "30",
            "--service",
            f"static=constant:{service_s}",
        ],
    )
    measured = probe(target, "--closed", "24", "--duration", "3")
    assert measured["shed_queue_full"] == 0 and measured["shed_queue_timeout"] == 0
    assert measured["throughput"] == pytest.approx(max_throughput(workers, service_s), rel=0.05)


def test_open_poisson_overload_blocks_as_mmck_predicts(target_factory):
    workers, queue, service_s = 2, 4, 0.005
    rate = 1.5 * max_throughput(workers, service_s)
    target = target_factory(
        "ci-small",
        ["--workers", str(workers), "--queue", str(queue), "--queue-timeout", "30", "--seed", "7",
         "--service", f"static=exponential:{service_s}"],
    )  # fmt: skip
    measured = probe(target, "--rate", str(rate), "--duration", "4", "--seed", "7")
    predicted = mmck(rate, workers, service_s, workers + queue)
    assert measured["arrivals"] > 1500
    assert abs(measured["blocking"] - predicted.blocking) <= 0.05, (measured, predicted)
    assert measured["throughput"] == pytest.approx(predicted.throughput, rel=0.1)
