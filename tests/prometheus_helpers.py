"""A real Prometheus for the tests (the Debian package's /usr/bin/prometheus): temporary config and storage,
a free port, scraping one target every second; queried through its HTTP API."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ports import free_port
from stacks import INSTALL_HINT, StackError, StackUnavailable

START_TIMEOUT_S = 30.0
CONFIG = """\
global: {{scrape_interval: {interval}, scrape_timeout: {interval}, evaluation_interval: 1m}}
scrape_configs:
  - job_name: flashcrowd
    static_configs: [{{targets: ["127.0.0.1:{target_port}"]}}]
"""


@dataclass(frozen=True)
class Prometheus:
    """A running Prometheus: its URL and PID."""

    url: str
    pid: int

    def query(self, expr: str, at: float) -> dict[tuple[tuple[str, str], ...], float]:
        """An instant query at epoch ``at``: each series' labels (without name, job and instance) -> value."""
        return {labels: float(item["value"][1]) for labels, item in self._results(expr, at)}

    def samples(self, selector: str, at: float) -> list[tuple[float, float]]:
        """The (epoch, value) samples stored for one series over ``selector``'s range up to ``at``."""
        [(_, item)] = self._results(selector, at)
        return [(float(t), float(value)) for t, value in item["values"]]

    def _results(self, expr: str, at: float) -> list[tuple[tuple[tuple[str, str], ...], dict]]:
        address = f"{self.url}/api/v1/query?{urllib.parse.urlencode({'query': expr, 'time': at})}"
        with urllib.request.urlopen(address, timeout=10) as answer:
            results = json.load(answer)["data"]["result"]
        ignored = {"__name__", "job", "instance"}
        return [
            (tuple(sorted((k, v) for k, v in item["metric"].items() if k not in ignored)), item)
            for item in results
        ]


@contextlib.contextmanager
def prometheus_scraping(target_port: int, interval: str = "1s") -> Iterator[Prometheus]:
    """Prometheus scraping 127.0.0.1:``target_port``/metrics every ``interval``; stopped by PID after."""
    executable = shutil.which("prometheus") or "/usr/bin/prometheus"
    if not Path(executable).is_file():
        raise StackUnavailable(f"prometheus not installed: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="flashcrowd-prometheus-") as root:
        config, log = Path(root) / "prometheus.yml", Path(root) / "prometheus.log"
        config.write_text(CONFIG.format(interval=interval, target_port=target_port), encoding="utf-8")
        port = free_port()
        command = [
            executable,
            f"--config.file={config}",
            f"--storage.tsdb.path={root}/data",
            f"--web.listen-address=127.0.0.1:{port}",
        ]
        with log.open("wb") as output:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_ready(url, process, log)
            yield Prometheus(url, process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/-/ready", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
    raise StackError(f"prometheus at {url} did not get ready:\n{tail}")
