"""Measure a running target against queueing theory: ``python -m target_app.probe URL --closed N | --rate R``.

Drives the target from raw gevent sockets (cheap enough to outrun a small
capacity model) and reads what the target itself counted over a measuring
window that starts after a warm-up: served requests a second, and the share
of arrivals turned away. Prints one JSON object. Only loopback URLs.
"""

from __future__ import annotations

import argparse
import json
import random
import socket as stdlib_socket
import sys
import time
from urllib.parse import urlsplit

import gevent
from gevent import socket

from flashcrowd_common.safety import check_target


class Client:
    """Raw HTTP/1.1 GETs of one path on one host:port, over keep-alive connections."""

    def __init__(self, url: str, path: str) -> None:
        parts = urlsplit(check_target(url))
        self.address = (parts.hostname, parts.port or 80)
        self.request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
        self.ok = 0
        self.resets = 0
        self.other_errors = 0

    def connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=30)
        sock.setsockopt(stdlib_socket.IPPROTO_TCP, stdlib_socket.TCP_NODELAY, 1)
        return sock

    def get(self, sock: socket.socket) -> bool:
        """One request and its whole response; False (and counted) if the connection failed."""
        try:
            sock.sendall(self.request)
            buffered = b""
            while b"\r\n\r\n" not in buffered:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionResetError("closed before the response")
                buffered += chunk
            head, _, body = buffered.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(body) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    raise ConnectionResetError("closed mid-body")
                body += chunk
        except ConnectionResetError:
            self.resets += 1
            return False
        except OSError:
            self.other_errors += 1
            return False
        self.ok += 1
        return True


def fetch_metrics(url: str) -> dict:
    """The target's /__flashcrowd/metrics.json."""
    client = Client(url, "/__flashcrowd/metrics.json")
    sock = client.connect()
    try:
        sock.sendall(client.request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0]) if body or _ else -1
            if not chunk or (length >= 0 and len(body) >= length):
                return json.loads(body)
    finally:
        sock.close()


def closed_loop(client: Client, connections: int) -> list[gevent.Greenlet]:
    """``connections`` users that ask again as soon as they have an answer (think time 0)."""

    def user() -> None:
        while True:
            sock = client.connect()
            while client.get(sock):
                pass
            sock.close()

    return [gevent.spawn(user) for _ in range(connections)]


def open_poisson(client: Client, rate: float, seed: int) -> list[gevent.Greenlet]:
    """Arrivals at exponential intervals of mean 1/rate, each on a new connection, whatever the answers."""
    rng = random.Random(seed)

    def one() -> None:
        sock = client.connect()
        client.get(sock)
        sock.close()

    def arrivals() -> None:
        due = time.monotonic()
        while True:
            due += rng.expovariate(rate)
            gevent.sleep(max(0.0, due - time.monotonic()))
            gevent.spawn(one)

    return [gevent.spawn(arrivals)]


def measure(url: str, greenlets: list[gevent.Greenlet], warmup_s: float, duration_s: float) -> dict:
    """The target's own counts over ``duration_s`` after ``warmup_s``, then the load stops."""
    gevent.sleep(warmup_s)
    before = fetch_metrics(url)
    gevent.sleep(duration_s)
    after = fetch_metrics(url)
    gevent.killall(greenlets, timeout=2)
    delta = {
        key: after[key] - before[key]
        for key in ("arrivals", "served", "shed_queue_full", "shed_queue_timeout")
    }
    window_s = after["uptime_s"] - before["uptime_s"]
    return {
        "window_s": round(window_s, 3),
        **delta,
        "throughput": delta["served"] / window_s,
        "blocking": delta["shed_queue_full"] / max(1, delta["arrivals"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m target_app.probe", description=__doc__)
    parser.add_argument("url")
    load = parser.add_mutually_exclusive_group(required=True)
    load.add_argument("--closed", type=int, metavar="CONNECTIONS", help="closed loop, no think time")
    load.add_argument("--rate", type=float, metavar="PER_S", help="open Poisson arrivals")
    parser.add_argument("--path", default="/english/index.asp")
    parser.add_argument("--warmup", type=float, default=0.5, metavar="SECONDS")
    parser.add_argument("--duration", type=float, default=3.0, metavar="SECONDS")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    client = Client(args.url, args.path)
    if args.closed:
        greenlets = closed_loop(client, args.closed)
    else:
        greenlets = open_poisson(client, args.rate, args.seed)
    result = measure(args.url, greenlets, args.warmup, args.duration)
    result["client"] = {"ok": client.ok, "resets": client.resets, "other_errors": client.other_errors}
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
