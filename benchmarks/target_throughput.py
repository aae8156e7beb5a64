"""How fast the bundled target serves when the capacity model is out of the way, next to nginx.

Starts the target with the ``unbounded`` profile (no worker limit, zero
service time) pinned to one core, and nginx (one worker, same core) serving
the same page from a temporary directory; drives each with ``wrk`` from the
other core for a few seconds; prints requests a second and the ratio.

    python benchmarks/target_throughput.py [--duration 5] [--connections 50]

Needs ``wrk`` (apt-get install wrk); nginx is skipped with a note if absent.
Only 127.0.0.1 is ever loaded.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from common import benchmark_parser

from flashcrowd.launch.target_process import start_target

PAGES = {"home page (48 KB)": "/english/index.asp", "small image (3 KB)": "/assets/img/wmms-blk.png"}
SERVER_CORE, CLIENT_CORE = "0", "1"
GOAL_RPS = 8000

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{ listen 127.0.0.1:{port}; root {root}/www; }}
}}
"""


def wrk(url: str, duration_s: float, connections: int) -> float:
    """Requests a second wrk measured against ``url``, from the client core."""
    command = [
        "taskset",
        "-c",
        CLIENT_CORE,
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{duration_s:g}s",
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=duration_s + 30, check=True
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", output)
    if errors:
        print(f"  note: {errors.group(0)}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_nginx(
    root: Path, pages: dict[str, bytes], conf: str = NGINX_CONF, pin: bool = True
) -> tuple[subprocess.Popen, str]:
    """nginx serving ``pages`` from ``root`` with ``conf`` (``{root}``, ``{port}`` filled in), pinned to the
    server core unless ``pin`` is False; the process and its URL, once it answers."""
    port = free_port()
    root.chmod(0o755)  # nginx's worker runs as an unprivileged user when started by root
    for path, body in pages.items():
        file = root / "www" / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        file.write_bytes(body)
        file.chmod(0o644)
    (root / "tmp").mkdir()
    (root / "nginx.conf").write_text(conf.format(root=root, port=port))
    command = ["taskset", "-c", SERVER_CORE] if pin else []
    command += ["nginx", "-c", str(root / "nginx.conf"), "-p", str(root)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/english/index.asp", timeout=1).raise_for_status()
            return process, url
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"nginx did not start: {(root / 'error.log').read_text()[-300:]}")


def main() -> int:
    parser = benchmark_parser(__doc__)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk): nothing measured")
        return 1
    target = start_target("unbounded")
    subprocess.run(["taskset", "-cp", SERVER_CORE, str(target.pid)], check=True, capture_output=True)
    results: dict[str, dict[str, float]] = {}
    try:
        bodies = {path: requests.get(target.url + path, timeout=5).content for path in PAGES.values()}
        for label, path in PAGES.items():
            results[label] = {"target": wrk(target.url + path, args.duration, args.connections)}
    finally:
        target.stop()
    if shutil.which("nginx"):
        with tempfile.TemporaryDirectory(prefix="flashcrowd-nginx-") as root:
            nginx, url = start_nginx(Path(root), bodies)
            try:
                for label, path in PAGES.items():
                    results[label]["nginx"] = wrk(url + path, args.duration, args.connections)
            finally:
                os.kill(nginx.pid, signal.SIGQUIT)  # nginx's graceful stop
                nginx.wait(10)
    else:
        print("nginx is not installed (apt-get install nginx): the comparison is skipped")
    print(
        f"\ntarget_app (profile unbounded) vs nginx, each pinned to core {SERVER_CORE}, "
        f"wrk on core {CLIENT_CORE}, {args.connections} connections, {args.duration:g} s"
    )
    print(f"{'page':22} {'target req/s':>13} {'nginx req/s':>12} {'target/nginx':>13}")
    for label, measured in results.items():
        nginx_rps = measured.get("nginx")
        ratio = f"{measured['target'] / nginx_rps:13.3f}" if nginx_rps else f"{'-':>13}"
        nginx_text = f"{nginx_rps:12.0f}" if nginx_rps else f"{'-':>12}"
        print(f"{label:22} {measured['target']:13.0f} {nginx_text} {ratio}")
    best = max(measured["target"] for measured in results.values())
    print(f"goal: >= {GOAL_RPS} req/s on one core: {'met' if best >= GOAL_RPS else 'NOT met'} ({best:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
