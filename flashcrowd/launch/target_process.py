"""Start the bundled target_app in a child process and stop it again, by PID.

The child binds port 0 and prints ``READY_PREFIX <url>`` as its first line, so
there is no race for a free port; with ``--tls`` the line ends ``(certificate <file>)``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from flashcrowd_common.errors import TargetUnreachableError

READY_PREFIX = "flashcrowd-target listening on"
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0


class TargetProcess:
    """A running bundled target: its URL, its PID and the file its output goes to."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
        self.process = process
        self.url = url
        self.log_path = log_path
        self.certificate: str | None = None  # served over HTTPS: the certificate to trust

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within a few seconds."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_path.unlink(missing_ok=True)


def start_target(profile: str = "ircc-2016", extra_args: Sequence[str] = ()) -> TargetProcess:
    """Start ``python -m target_app`` on 127.0.0.1 and a free port; return once it accepts connections."""
    command = [sys.executable, "-m", "target_app", "--profile", profile, "--host", "127.0.0.1", "--port", "0"]
    # Output goes to a file, not a pipe: a pipe nobody drains would stall the target mid-run.
    fd, log_name = tempfile.mkstemp(prefix="flashcrowd-target-", suffix=".log")
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen([*command, *extra_args], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    target = TargetProcess(process, "", Path(log_name))
    try:
        target.url, target.certificate = _ready_line(target)
    except BaseException:  # Ctrl-C or SIGTERM while it starts: it must not outlive us
        target.stop()
        raise
    if target.url:
        return target
    lines = target.log_path.read_text(errors="replace").strip().splitlines()
    target.stop()
    reason = lines[-1] if lines else f"no answer in {START_TIMEOUT_S:.0f} s"
    raise TargetUnreachableError(f"the bundled target did not start: {reason}")


def _ready_line(target: TargetProcess) -> tuple[str, str | None]:
    """The URL and certificate file (None: plain HTTP) on the target's ready line; "" if it exited or
    stayed silent too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and target.process.poll() is None:
        for line in target.log_path.read_text(errors="replace").splitlines():
            if line.startswith(READY_PREFIX):
                url, _, certificate = line[len(READY_PREFIX) :].strip().partition(" (certificate ")
                return url, certificate.removesuffix(")") or None
        time.sleep(0.05)
    return "", None


@contextlib.contextmanager
def running_target(profile: str = "ircc-2016", extra_args: Sequence[str] = ()) -> Iterator[TargetProcess]:
    """Context manager around :func:`start_target` that always stops the child."""
    target = start_target(profile, extra_args)
    try:
        yield target
    finally:
        target.stop()
