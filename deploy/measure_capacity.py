"""Measure what one flashcrowd worker process costs, for the 1.0-scale plan in docs/distributed.md.

    python deploy/measure_capacity.py [--idle-visitors 2000] [--busy-seconds 10]

Prints (1) resident memory per idle visitor (between pages, connection closed) and
(2) requests per CPU-second of the generator with visitors that never think, both
with flashcrowd's Visitor, browser and recorder in one Locust process. The site is a
minimal HTTP server in a child process on 127.0.0.1, so the generator is what is measured.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = r"""
import sys
from gevent.server import StreamServer

BODY = b"<html><body>ok</body></html>"
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)

def handle(sock, _address):
    buffer = b""
    while True:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:  # the generator quitting with connections open
            return
        if not data:
            return
        buffer += data
        while b"\r\n\r\n" in buffer:
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            buffer = buffer[length:]
            sock.sendall(RESPONSE)

server = StreamServer(("127.0.0.1", 0), handle, backlog=4096)
server.start()
print(f"http://127.0.0.1:{server.server_port}", flush=True)
server.serve_forever()
"""


def start_site() -> tuple[subprocess.Popen[bytes], str]:
    process = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE)
    assert process.stdout is not None
    return process, process.stdout.readline().decode().strip()


def run_visitors(url: str, users: int, think_s: float, seconds: float) -> tuple[float, int, float]:
    """(resident MiB once spawned, requests, generator CPU seconds) of ``users`` visitors for ``seconds``."""
    import gevent
    import psutil
    from locust.env import Environment

    from flashcrowd.bundled_paths import resolve_scenario
    from flashcrowd.in_locust import locust_options
    from flashcrowd.in_locust.recording import attach
    from flashcrowd.in_locust.visitor import Visitor
    from flashcrowd.scenario import load_scenario
    from flashcrowd.scenario.model import Distribution

    scenario = load_scenario(resolve_scenario("ci-smoke"))
    scenario = dataclasses.replace(scenario, think_time=Distribution("constant", think_s))
    environment = Environment(user_classes=[Visitor], host=url)
    runner = environment.create_local_runner()
    locust_options.install(environment, scenario)
    attach(environment, scenario, Path(tempfile.mkdtemp(prefix="flashcrowd-measure-")))
    requests = 0

    def count(**_kwargs: object) -> None:
        nonlocal requests
        requests += 1

    environment.events.request.add_listener(count)
    process = psutil.Process()
    runner.start(users, spawn_rate=max(users / 5, 1))
    while runner.user_count < users:
        gevent.sleep(0.2)
    gevent.sleep(2)  # every visitor past its first page and assets
    rss_mib = process.memory_info().rss / 2**20
    cpu_before, requests_before = sum(process.cpu_times()[:2]), requests
    gevent.sleep(seconds)
    cpu = sum(process.cpu_times()[:2]) - cpu_before
    runner.quit()
    return rss_mib, requests - requests_before, cpu


def measure_in_child(mode: str, url: str, args: argparse.Namespace) -> str:
    """Each measurement in a fresh process, so one does not inherit the other's memory."""
    command = [sys.executable, __file__, "--child", mode, "--url", url]
    command += ["--idle-visitors", str(args.idle_visitors), "--busy-seconds", str(args.busy_seconds)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=True).stdout.strip()


def child(mode: str, url: str, args: argparse.Namespace) -> None:
    if mode == "idle":
        baseline, _, _ = run_visitors(url, 1, 3600.0, 1)
        rss, _, _ = run_visitors(url, args.idle_visitors, 3600.0, 1)
        per_visitor_kib = (rss - baseline) * 1024 / (args.idle_visitors - 1)
        print(
            f"{per_visitor_kib:.1f} KiB per idle visitor "
            f"({args.idle_visitors} visitors: {rss:.0f} MiB resident, 1 visitor: {baseline:.0f} MiB)"
        )
    else:
        _, requests, cpu = run_visitors(url, 50, 0.0, args.busy_seconds)
        print(
            f"{requests / cpu:.0f} requests per generator CPU-second "
            f"({requests} requests, {cpu:.1f} CPU s, 50 visitors that never think)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--idle-visitors", type=int, default=2000)
    parser.add_argument("--busy-seconds", type=float, default=10.0)
    parser.add_argument("--child", choices=["idle", "busy"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args)
        return 0
    site, url = start_site()
    try:
        print("memory:", measure_in_child("idle", url, args))
        print("speed: ", measure_in_child("busy", url, args))
    finally:
        os.kill(site.pid, signal.SIGTERM)
        site.wait(5)
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    code = main()
    if not any(arg == "--child" for arg in sys.argv):
        print(f"({time.monotonic() - started:.0f} s)")
    sys.exit(code)
