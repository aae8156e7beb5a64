"""HTTPS sites on 127.0.0.1 inside the test process: a well-behaved one, and handshakes that go wrong."""

from __future__ import annotations

import socket
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import gevent
import gevent.event
import gevent.ssl
from gevent.pywsgi import WSGIServer
from gevent.server import StreamServer

from target_app.tls import server_context, throwaway_certificate


@contextmanager
def certificate() -> Iterator[tuple[Path, Path]]:
    """A throwaway self-signed certificate for 127.0.0.1 and localhost, and its key (the target's own)."""
    with tempfile.TemporaryDirectory(prefix="flashcrowd-test-tls-") as directory:
        yield throwaway_certificate(Path(directory))


@contextmanager
def tls_site(
    cert: Path, key: Path, status: str = "200 OK", client_ca: Path | None = None, host: str = "127.0.0.1"
) -> Iterator[str]:
    """An HTTPS site answering ``status`` to every page; with ``client_ca`` it requires a client
    certificate that CA issued. Yields its URL."""
    context = server_context(cert, key)
    if client_ca is not None:
        context.verify_mode = gevent.ssl.CERT_REQUIRED
        context.load_verify_locations(client_ca)

    def app(_environ, start_response):
        start_response(status, [("Content-Type", "text/plain")])
        return [b"hello"]

    server = WSGIServer((host, 0), app, log=None, error_log=None, ssl_context=context)
    server.start()
    try:
        yield f"https://{host}:{server.server_port}"
    finally:
        server.stop(timeout=1)
        gevent.sleep(0)


@contextmanager
def broken_handshakes(behaviour: str) -> Iterator[str]:
    """A port that accepts connections and then, instead of a TLS handshake, ``close``s them, ``reset``s
    them or stays ``silent``. Yields its https:// URL."""
    stopping = gevent.event.Event()

    def handle(sock: socket.socket, _address: tuple) -> None:
        if behaviour == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        if behaviour == "silent":
            stopping.wait()  # the connection stays open, unanswered, until the site stops
        sock.recv(1024)  # the ClientHello
        sock.close()

    server = StreamServer(("127.0.0.1", 0), handle)
    server.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}"
    finally:
        stopping.set()
        server.stop(timeout=1)
