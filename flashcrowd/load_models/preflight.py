"""What the load generator itself can hold, checked against a scenario's peak before a run starts.

Concurrency is what exhausts a generator: the sockets one process may open (its file
limit), the source ports a machine has for connections to one address while closed ones
wait out TIME_WAIT, and the memory its visitors take. :func:`soft_file_limit_raised`
lifts the soft file limit to the hard one (the Locust child inherits it);
:func:`generator_budget` works out what the scenario's peak needs of each, and
:func:`check_generator` refuses what cannot fit with one line and says the rest.
"""

from __future__ import annotations

import math
import random
import resource
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flashcrowd.scenario.journeys import requests_per_session
from flashcrowd.scenario.model import Scenario
from flashcrowd_common.errors import UsageError

TIME_WAIT_S = 60.0  # Linux keeps a closed connection's tuple this long on the side that closed first
RESERVED_FILES = 100  # what a Locust process keeps open besides its visitors' sockets
LOOPBACK_HOSTS = ("localhost", "::1")
SAMPLES = 20_000  # think times drawn to estimate the share of them a socket outlives


def soft_file_limit_raised() -> int:
    """Raise this process's soft file limit to its hard limit (children inherit it); the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft


@dataclass(frozen=True)
class GeneratorBudget:
    """The scenario's peak against this machine: sockets per process, ports, TIME_WAIT reuse."""

    visitors_per_process: float
    sockets_per_process: float  # held at once while the site keeps up (loads and short thinks)
    file_limit: int
    connections_per_s: float  # new connections a second, over all processes
    ports: int  # source ports for one destination (net.ipv4.ip_local_port_range)
    tw_reuse: bool  # the kernel reuses TIME_WAIT ports for new connections to this target

    @property
    def time_wait(self) -> float:
        """Connections waiting out TIME_WAIT at the peak (each holding a source port)."""
        return self.connections_per_s * TIME_WAIT_S

    @property
    def socket_room(self) -> int:
        return max(self.file_limit - RESERVED_FILES, 0)


def generator_budget(
    scenario: Scenario, processes: int, host: str | None, keepalive_s: float
) -> GeneratorBudget:
    """What the peak of ``scenario`` needs of ``processes`` Locust processes loading ``host``
    (None: the bundled target, on loopback), with visitors' connections dropped after ``keepalive_s``."""
    peak = scenario.scale * scenario.users.peak.value
    pages = requests_per_session(scenario.journeys)
    thinks = [scenario.think_time.sample(random.Random(seed)) for seed in range(SAMPLES)]
    mean_think = max(sum(thinks) / len(thinks), 1e-3)
    kept = [t for t in thinks if t <= keepalive_s]
    # A request opens a connection when the think before it outlived keep-alive, or it begins a session.
    new_share = (len(thinks) - len(kept)) / len(thinks)
    new_share += (1 - new_share) / max(pages, 1.0)
    requests_per_s = peak / mean_think
    low, high = (int(x) for x in _proc("net/ipv4/ip_local_port_range", "32768 60999").split())
    reuse = _proc("net/ipv4/tcp_tw_reuse", "0")
    return GeneratorBudget(
        visitors_per_process=peak / processes,
        sockets_per_process=peak / processes * sum(kept) / len(thinks) / mean_think,
        file_limit=soft_file_limit_raised(),
        connections_per_s=requests_per_s * new_share,
        ports=high - low + 1,
        tw_reuse=reuse == "1" or (reuse == "2" and _loopback(host)),
    )


def check_generator(budget: GeneratorBudget, flag: str) -> str:
    """The line that says what the generator can hold; UsageError (naming ``flag``) if the peak cannot fit."""
    if budget.sockets_per_process > budget.socket_room:
        raise UsageError(
            f"{flag}: the peak keeps about {budget.sockets_per_process:,.0f} sockets open in each Locust "
            f"process, which can hold {budget.socket_room:,} (file limit {budget.file_limit:,}); expected "
            "more workers, a higher hard limit (ulimit -Hn), or a smaller scale"
        )
    if budget.time_wait > budget.ports and not budget.tw_reuse:
        raise UsageError(
            f"{flag}: the peak opens about {budget.connections_per_s:,.0f} connections/s, leaving "
            f"{budget.time_wait:,.0f} in TIME_WAIT for {TIME_WAIT_S:.0f} s, with {budget.ports:,} source "
            "ports to the target and no TIME_WAIT reuse; expected sysctl net.ipv4.tcp_tw_reuse=1, a wider "
            "net.ipv4.ip_local_port_range, workers on several machines, or a smaller scale"
        )
    line = (
        f"generator: file limit {budget.file_limit:,}, so each Locust process can hold "
        f"{budget.socket_room:,} sockets (about {math.ceil(budget.sockets_per_process):,} open at the peak "
        f"while the site keeps up, up to {budget.visitors_per_process:,.0f} if every visitor waits on it); "
        f"{budget.connections_per_s:,.0f} new connections/s leave {budget.time_wait:,.0f} in TIME_WAIT "
        f"for {budget.ports:,} source ports"
    )
    if budget.time_wait > budget.ports:
        line += " (the kernel reuses them: net.ipv4.tcp_tw_reuse)"
    if budget.visitors_per_process > budget.socket_room:
        line += "; a site that stops answering would make visitors past the limit fail as client_limit"
    return line


def _loopback(host: str | None) -> bool:
    name = urlsplit(host).hostname if host else "127.0.0.1"
    return name is not None and (name.startswith("127.") or name in LOOPBACK_HOSTS)


def _proc(name: str, default: str) -> str:
    """A kernel setting from /proc/sys (``default`` where there is none, e.g. not on Linux)."""
    try:
        return Path("/proc/sys", name).read_text().strip()
    except OSError:
        return default
