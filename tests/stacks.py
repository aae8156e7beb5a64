"""Real third-party stacks on 127.0.0.1 (gunicorn, nginx or haproxy in front of it), each with its capacity.

Every stack serves ``stack_app`` from gunicorn sync workers, so its capacity
follows from its configuration: ``c`` workers each held ``S`` per request serve
c / S requests a second, and a closed population with think time Z saturates
them at N* = c(S+Z)/S. What differs is what a client sees past that:

- ``gunicorn_stack``: the kernel's accept queue (``--backlog``) holds the waiting
  connections, so clients wait, then time out; once it is full, the kernel drops
  handshakes (connect timeouts) and resets connections it had dropped;
- ``nginx_stack``: nginx (``worker_processes 1``) holds the waiting requests, each
  using two of its ``worker_connections`` (client and upstream); when they run out
  it closes new connections without a response. With ``tls=True`` it serves HTTPS
  with a throwaway self-signed certificate (``Stack.certificate``);
- ``haproxy_stack``: haproxy lets ``maxconn`` = c requests reach gunicorn and
  queues the rest; one that waited ``timeout queue`` gets a 503;
- ``caddy_stack``: Caddy proxies every request to gunicorn, holding as many as
  come; they wait in gunicorn's backlog, as with gunicorn alone;
- ``uvicorn_stack`` (no gunicorn): an ASGI app (``stack_asgi.py``) under uvicorn
  lets c requests at a time into service and queues the rest in its memory,
  without bound, serving even those whose clients left.

gunicorn and uvicorn listen with their default backlog of 2,048: a deep queue,
which a find-break that overloads it must wait to drain.

Each launcher is a context manager: it picks free ports, writes its
configuration, logs and temporary files into a temporary directory, waits until
the stack answers (``START_TIMEOUT_S``, else :class:`StackError` with the log's
tail) and stops every process it started by PID, even when the body raises.
A missing program raises :class:`StackUnavailable` (tests turn it into a skip).
Used by ``tests/test_stacks.py`` and ``benchmarks/find_break_stacks.py``.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ports import free_port

from target_app.tls import throwaway_certificate

APP_DIR = Path(__file__).resolve().parent  # where stack_app.py is
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0
INSTALL_HINT = ".ci/run installs it with apt-get"
SBIN = "/usr/local/sbin:/usr/sbin:/sbin"  # where Debian puts nginx and haproxy, off a user's PATH


class StackError(RuntimeError):
    """A stack did not start; the message ends with its log's tail."""


class StackUnavailable(StackError):
    """A program a stack needs is not installed."""


@dataclass(frozen=True)
class Stack:
    """A running stack: where it listens, its capacity from its configuration, and its processes."""

    name: str  # "gunicorn", "nginx+gunicorn", "haproxy+gunicorn", "caddy+gunicorn", "uvicorn"
    url: str  # http://127.0.0.1:PORT
    workers: int  # c: requests served at once
    service_s: float  # S: every page holds a worker this long
    overload: str  # what a client sees past capacity, in words
    # K: requests that can wait beyond the c in service before clients fail (None: until they time out)
    max_waiting: int | None
    pids: tuple[int, ...]  # every process started, front end first
    certificate: str | None = None  # an https:// stack: its self-signed certificate, to trust

    @property
    def capacity_rps(self) -> float:
        """c / S: the most requests a second the workers can serve."""
        return self.workers / self.service_s

    def knee_users(self, think_s: float) -> float:
        """Closed model: N* = c(S+Z)/S visitors thinking ``think_s`` between pages saturate the workers."""
        return self.workers * (self.service_s + think_s) / self.service_s

    def break_users(self, think_s: float) -> float | None:
        """Closed model: N* + K visitors fill the K waiting places (None: only timeouts bound it).

        A fluid limit: visitors who are turned away and retry or leave thin the
        crowd, so failures become sustained somewhat above it (benchmarks/README.md).
        """
        return None if self.max_waiting is None else self.knee_users(think_s) + self.max_waiting


@contextlib.contextmanager
def gunicorn_stack(workers: int = 4, service_ms: float = 50, backlog: int = 2048) -> Iterator[Stack]:
    """gunicorn, ``workers`` sync workers, every page holding one ``service_ms``; yields the running stack."""
    if importlib.util.find_spec("gunicorn") is None:
        raise StackUnavailable("gunicorn not installed: pip install -e '.[test]' installs it")
    with tempfile.TemporaryDirectory(prefix="flashcrowd-gunicorn-") as root:
        port = free_port()
        command = [
            sys.executable, "-m", "gunicorn",
            "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--backlog", str(backlog),
            "--timeout", "60", "--graceful-timeout", "1",
            "--chdir", str(APP_DIR), "--env", f"STACK_SERVICE_MS={service_ms:g}",
            "--error-logfile", f"{root}/gunicorn.log", "--pid", f"{root}/gunicorn.pid",
            "stack_app:app",
        ]  # fmt: skip
        with _running(command, Path(root) / "gunicorn.log") as gunicorn:
            url = f"http://127.0.0.1:{port}"
            _wait_until_served(url, gunicorn, Path(root) / "gunicorn.log")
            yield Stack(
                name="gunicorn",
                url=url,
                workers=workers,
                service_s=service_ms / 1000,
                overload=(
                    f"long waits in the listen backlog ({backlog}), then clients' read timeouts; "
                    "once it is full, connect timeouts and resets"
                ),
                max_waiting=None,
                pids=(gunicorn.pid,),
            )


NGINX_CONF = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx.log;
events {{ worker_connections {worker_connections}; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port}{ssl};
        {certificate}
        location / {{ proxy_pass {upstream}; proxy_read_timeout 60s; }}
    }}
}}
"""


@contextlib.contextmanager
def nginx_stack(
    worker_connections: int = 256, workers: int = 4, service_ms: float = 50, tls: bool = False
) -> Iterator[Stack]:
    """nginx (one worker process, ``worker_connections``) in front of its own :func:`gunicorn_stack`;
    with ``tls``, over HTTPS with a throwaway self-signed certificate."""
    flags = ("-p", "{root}", "-c", "{conf}", "-e", "{log}", "-g", "daemon off;")
    with (
        tempfile.TemporaryDirectory(prefix="flashcrowd-nginx-tls-") as keys,
        gunicorn_stack(workers, service_ms) as upstream,
    ):
        cert, key = throwaway_certificate(Path(keys)) if tls else (None, None)
        with _front_end(
            "nginx",
            NGINX_CONF,
            flags,
            scheme="https" if tls else "http",
            user="user root;\n" if os.geteuid() == 0 else "",  # its worker then reads our temp dir
            worker_connections=worker_connections,
            upstream=upstream.url,
            ssl=" ssl" if tls else "",
            certificate=f"ssl_certificate {cert}; ssl_certificate_key {key};" if tls else "",
        ) as (url, pid):
            yield _nginx(url, pid, upstream, worker_connections, str(cert) if cert else None)


def _nginx(url: str, pid: int, upstream: Stack, worker_connections: int, certificate: str | None) -> Stack:
    # Each request in flight holds a client and an upstream connection; the listener holds one.
    in_flight = (worker_connections - 1) // 2
    return Stack(
        name="nginx+gunicorn" + (" (https)" if certificate else ""),
        url=url,
        workers=upstream.workers,
        service_s=upstream.service_s,
        overload=(
            f"connections closed without a response once about {in_flight} requests are in flight "
            f"(nginx out of its {worker_connections} worker_connections)"
        ),
        max_waiting=max(in_flight - upstream.workers, 0),
        pids=(pid, *upstream.pids),
        certificate=certificate,
    )


HAPROXY_CONF = """\
global
    maxconn {maxconn}
    nbthread 1
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 5s
    timeout queue {timeout_queue_ms}ms
frontend web
    bind 127.0.0.1:{port}
    maxconn {maxconn}
    default_backend app
backend app
    server gunicorn {upstream} maxconn {workers}
"""


@contextlib.contextmanager
def haproxy_stack(
    maxconn: int = 4096, timeout_queue_s: float = 1.0, workers: int = 4, service_ms: float = 50
) -> Iterator[Stack]:
    """haproxy letting ``workers`` requests at a time into its own :func:`gunicorn_stack`, queueing the rest.

    A request that waited ``timeout_queue_s`` in the queue is answered 503; the
    frontend takes ``maxconn`` client connections.
    """
    with (
        gunicorn_stack(workers, service_ms) as upstream,
        _front_end(
            "haproxy",
            HAPROXY_CONF,
            ("-f", "{conf}", "-db"),
            maxconn=maxconn,
            timeout_queue_ms=round(timeout_queue_s * 1000),
            upstream=upstream.url.removeprefix("http://"),
            workers=workers,
        ) as (url, pid),
    ):
        yield Stack(
            name="haproxy+gunicorn",
            url=url,
            workers=workers,
            service_s=upstream.service_s,
            overload=f"HTTP 503 for requests queued longer than timeout queue ({timeout_queue_s:g} s)",
            # the queue drains at c/S, so what waits longer than the timeout is what it cannot drain
            max_waiting=round(upstream.capacity_rps * timeout_queue_s),
            pids=(pid, *upstream.pids),
        )


CADDYFILE = """\
{{
    admin off
    auto_https off
}}
http://127.0.0.1:{port} {{
    reverse_proxy {upstream}
}}
"""


@contextlib.contextmanager
def caddy_stack(workers: int = 4, service_ms: float = 50) -> Iterator[Stack]:
    """Caddy proxying every request to its own :func:`gunicorn_stack`."""
    with (
        gunicorn_stack(workers, service_ms) as upstream,
        _front_end(
            "caddy",
            CADDYFILE,
            ("run", "--config", "{conf}", "--adapter", "caddyfile"),
            upstream=upstream.url.removeprefix("http://"),
        ) as (url, pid),
    ):
        yield Stack(
            name="caddy+gunicorn",
            url=url,
            workers=workers,
            service_s=upstream.service_s,
            overload="long waits in gunicorn's listen backlog behind Caddy, then clients' read timeouts",
            max_waiting=None,
            pids=(pid, *upstream.pids),
        )


@contextlib.contextmanager
def uvicorn_stack(concurrency: int = 4, service_ms: float = 50) -> Iterator[Stack]:
    """uvicorn serving ``stack_asgi:app``: ``concurrency`` requests in service, each ``service_ms``."""
    if importlib.util.find_spec("uvicorn") is None:
        raise StackUnavailable("uvicorn not installed: pip install -e '.[test]' installs it")
    with tempfile.TemporaryDirectory(prefix="flashcrowd-uvicorn-") as root:
        port = free_port()
        command = [
            sys.executable, "-m", "uvicorn", "stack_asgi:app", "--app-dir", str(APP_DIR),
            "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off", "--no-access-log",
        ]  # fmt: skip
        environment = {
            **os.environ,
            "STACK_SERVICE_MS": f"{service_ms:g}",
            "STACK_CONCURRENCY": str(concurrency),
        }
        log = Path(root) / "uvicorn.log"
        with _running(command, log, environment) as uvicorn:
            url = f"http://127.0.0.1:{port}"
            _wait_until_served(url, uvicorn, log)
            yield Stack(
                name="uvicorn",
                url=url,
                workers=concurrency,
                service_s=service_ms / 1000,
                overload="long waits in the application's own queue, then clients' read timeouts",
                max_waiting=None,
                pids=(uvicorn.pid,),
            )


STACKS = {
    "gunicorn": gunicorn_stack,
    "nginx+gunicorn": nginx_stack,
    "haproxy+gunicorn": haproxy_stack,
    "caddy+gunicorn": caddy_stack,
    "uvicorn": uvicorn_stack,
}

NGINX_STATUS_CONF = """\
{user}worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
    server {{
        listen 127.0.0.1:{port};
        location = / {{ return 200 "home\\n"; }}
{locations}
    }}
}}
"""


@contextlib.contextmanager
def nginx_answering(statuses: dict[str, int]) -> Iterator[str]:
    """nginx alone, answering ``/`` 200, each path in ``statuses`` with its status, anything else 404
    (its own page); yields its URL."""
    locations = "\n".join(
        f'        location = {path} {{ return {code} "{code}\\n"; }}' for path, code in statuses.items()
    )
    flags = ("-p", "{root}", "-c", "{conf}", "-e", "{log}", "-g", "daemon off;")
    user = "user root;\n" if os.geteuid() == 0 else ""
    with _front_end("nginx", NGINX_STATUS_CONF, flags, user=user, locations=locations) as (url, _pid):
        yield url


@contextlib.contextmanager
def _front_end(
    program: str, template: str, flags: Sequence[str], scheme: str = "http", **values: object
) -> Iterator[tuple[str, int]]:
    """Run ``program`` on a free port, configured by ``template``; yield its URL and PID once it serves.

    ``template`` is formatted with ``root`` (its temporary directory), ``port``
    and ``values``; ``flags`` with ``root``, ``conf`` (the file) and ``log``.
    """
    executable = shutil.which(program) or shutil.which(program, path=SBIN)
    if executable is None:
        raise StackUnavailable(f"{program} not installed: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix=f"flashcrowd-{program}-") as root:
        port = free_port()
        (Path(root) / "tmp").mkdir()
        conf, log = Path(root) / f"{program}.conf", Path(root) / f"{program}.log"
        conf.write_text(template.format(root=root, port=port, **values), encoding="utf-8")
        command = [executable, *(flag.format(root=root, conf=conf, log=log) for flag in flags)]
        # Caddy keeps its autosaved configuration and data under XDG's directories: ours, not the user's.
        environment = {**os.environ, "XDG_CONFIG_HOME": root, "XDG_DATA_HOME": root}
        with _running(command, log, environment) as process:
            url = f"{scheme}://127.0.0.1:{port}"
            _wait_until_served(url, process, log)
            yield url, process.pid


@contextlib.contextmanager
def _running(
    command: Sequence[str], log: Path, environment: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` in its own session, output to ``log``; yield it; stop it and its group after."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
            env=environment,
        )
    try:
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the PID, SIGKILL to its process group after STOP_TIMEOUT_S, then to any orphan in it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)  # gunicorn: graceful 1 s; nginx, haproxy: fast
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError):  # a worker whose master died (the group is ours)
        os.killpg(process.pid, signal.SIGKILL)


def _wait_until_served(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once ``url`` answers 200; raise :class:`StackError` with the log tail if it exits or stalls."""
    scheme, _, address = url.partition("://")
    host, port = address.split(":")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and process.poll() is None:
        connection = (
            http.client.HTTPSConnection(host, int(port), timeout=2, context=ssl._create_unverified_context())
            if scheme == "https"
            else http.client.HTTPConnection(host, int(port), timeout=2)
        )
        try:
            connection.request("GET", "/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.1)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
    state = "exited" if process.poll() is not None else f"did not answer within {START_TIMEOUT_S:g} s"
    raise StackError(f"{process.args[0]} at {url} {state}:\n{tail}")
