"""A Node.js http server that takes at most ``max_connections`` connections and resets the rest, each
page held ``service_ms``: a site that turns visitors away fast instead of slowing down.

Node closes a connection past ``server.maxConnections`` as soon as it is accepted, so a visitor
beyond the cap sees a reset or a connection closed without a response within a millisecond. With
keep-alive (Node's default 5 s, like a visitor's) each visitor thinking a second between pages holds
one connection: the cap is the number of visitors the site serves, whatever their pace.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ports import free_port
from stacks import StackUnavailable, _running, _wait_until_served

SERVER_JS = """
const http = require("http");
const server = http.createServer((request, response) => {
  setTimeout(() => { response.writeHead(200, {"content-type": "text/plain"}); response.end("ok\\n"); },
             Number(process.env.SERVICE_MS));
});
server.maxConnections = Number(process.env.MAX_CONNECTIONS);
server.listen(Number(process.env.PORT), "127.0.0.1");
"""


@dataclass(frozen=True)
class NodeServer:
    url: str
    max_connections: int  # visitors served at once: each holds one keep-alive connection
    service_s: float
    pid: int


@contextlib.contextmanager
def node_server(max_connections: int = 64, service_ms: float = 20) -> Iterator[NodeServer]:
    """The server on a free port, stopped by PID after; StackUnavailable without ``node``."""
    node = shutil.which("node")
    if node is None:
        raise StackUnavailable("node not installed: .ci/run installs nodejs with apt-get")
    with tempfile.TemporaryDirectory(prefix="flashcrowd-node-") as root:
        port = free_port()
        script, log = Path(root) / "server.js", Path(root) / "node.log"
        script.write_text(SERVER_JS, encoding="utf-8")
        environment = f"PORT={port} MAX_CONNECTIONS={max_connections} SERVICE_MS={service_ms:g}"
        command = ["/usr/bin/env", *environment.split(), node, str(script)]
        with _running(command, log) as process:
            url = f"http://127.0.0.1:{port}"
            _wait_until_served(url, process, log)
            yield NodeServer(url, max_connections, service_ms / 1000, process.pid)
