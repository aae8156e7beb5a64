"""The target's HTTP server: gevent StreamServer, our own HTTP/1.1 parsing, the capacity model in front.

Each connection is a greenlet. A request is parsed without holding a worker
(idle keep-alive connections cost nothing), then asks the capacity model for
one. Overload closes the connection abortively (SO_LINGER 0) so the client
sees ECONNRESET, or answers 503 / an IIS-style 500, as the profile says; a
request that waited past ``error_after_wait_s`` for a worker gets the IIS 500.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import sys
import time

import gevent
from gevent.server import StreamServer
from gevent.ssl import SSLContext

from target_app.analytics import Analytics
from target_app.capacity import Admission, Capacity
from target_app.http import MAX_HEAD_BYTES, BadRequest, Request, Response, parse_head
from target_app.metrics import Metrics
from target_app.profile import Profile
from target_app.site import site_for
from target_app.site.base import Route

ADMIN_PREFIX = "/__flashcrowd/"
LISTEN_BACKLOG = 4096
CATCH_UP_S = 0.002  # a late hand-over may shorten the next service by this much, no more
LINGER_CLOSE_S = 1.0  # how long an error close drains unread input, so the client gets our answer, not a RST
_ABORTIVE_LINGER = struct.pack("ii", 1, 0)

IIS_ERROR_PAGE = (
    b'<!DOCTYPE html><html><head><title>Runtime Error</title></head><body bgcolor="white">'
    b"<span><h1>Server Error in '/' Application.<hr width=100% size=1 color=silver></h1>"
    b"<h2><i>Runtime Error</i></h2></span><b>Description:</b> An application error occurred on the server. "
    b"The current custom error settings for this application prevent the details of the application error "
    b"from being viewed remotely (for security reasons).</body></html>"
)
OVERLOAD_RESPONSES = {
    "503": Response(503, b"<h1>Service Unavailable</h1>", headers=(("Retry-After", "120"),)),
    "500": Response(500, IIS_ERROR_PAGE, headers=(("X-Powered-By", "ASP.NET"),)),
}


class TargetServer:
    """The bundled site served under the capacity model of ``profile``."""

    def __init__(self, profile: Profile, host: str, port: int, tls: SSLContext | None = None) -> None:
        self.profile = profile
        self.tls = tls  # serve HTTPS with this context
        self.site = site_for(profile.site)
        self.capacity = Capacity(profile.workers, profile.queue, profile.queue_timeout_s)
        self.metrics = Metrics(self.capacity)
        self.analytics = Analytics()
        self._rng = random.Random(profile.seed)
        self._server = StreamServer((host.strip("[]"), port), self._handle_connection, backlog=LISTEN_BACKLOG)
        self._admin = {
            "metrics": lambda: Response(200, self.metrics.prometheus().encode(), "text/plain; version=0.0.4"),
            "metrics.json": lambda: _json(self.metrics.snapshot()),
            "analytics.json": lambda: _json(self.analytics.snapshot()),
            "health": lambda: _json({"status": "ok", "profile": profile.name, "site": profile.site}),
        }

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        scheme = "https" if self.tls else "http"
        return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"

    def start(self) -> None:
        """Bind and listen (OSError if the address is taken), then start the schedule."""
        self._server.start()
        self.metrics.started = time.monotonic()
        for change in self.profile.schedule:
            gevent.spawn_later(change.at_s, self._apply_change, change.workers, change.queue)

    def stop(self) -> None:
        self._server.stop(timeout=1)

    def _apply_change(self, workers: int | None, queue: int | None) -> None:
        self.capacity.resize(workers, queue)
        print(
            f"capacity now {self.capacity.workers} workers, {self.capacity.queue} waiting slots",
            file=sys.stderr,
        )

    # --- one connection ------------------------------------------------------------------------------

    def _handle_connection(self, sock: socket.socket, address: tuple) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # else ~40 ms delayed-ACK stalls
        sock.settimeout(self.profile.idle_timeout_s)
        self.metrics.counters["connections"] += 1
        if self.tls is not None:
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except OSError:  # the client left or refused our certificate: no request to answer
                self.metrics.counters["tls_handshake_failures"] += 1
                sock.close()
                return
            self.metrics.counters["tls_handshakes"] += 1
        buffered = b""
        session_counted = False
        try:
            while True:
                try:
                    request, buffered = _read_request(sock, buffered)
                except BadRequest as error:
                    self.metrics.counters["bad_requests"] += 1
                    body = f"<h1>{error.status}</h1><p>{error}</p>".encode()
                    sock.sendall(Response(error.status, body).encode(keep_alive=False))
                    _close_gracefully(sock)
                    return
                if request is None:
                    return
                if request.path.startswith(ADMIN_PREFIX):
                    response = self._admin_response(request)
                    sock.sendall(response.encode(request.keep_alive))
                    if not request.keep_alive:
                        return
                    continue
                cookie = self.analytics.record(request, address[0], session_counted)
                session_counted = True
                if not self._serve(sock, request, cookie):
                    return
        except OSError:  # includes the idle timeout
            return  # the client went away or sat idle past idle_timeout_s: nothing to answer

    def _serve(self, sock: socket.socket, request: Request, extra_headers: bytes) -> bool:
        """Answer ``request`` under the capacity model; False when the connection must end."""
        arrived = time.monotonic()
        metrics = self.metrics
        metrics.counters["arrivals"] += 1
        route = self.site.route(request.method, request.path)
        metrics.in_flight += 1
        try:
            admission, start = self.capacity.acquire()
            if admission is not Admission.SERVED:
                return self._overload(sock, admission)
            end = max(start, time.monotonic() - CATCH_UP_S)
            limit = self.profile.error_after_wait_s
            timed_out = limit is not None and start - arrived > limit
            try:
                end, response = self._work(route, request, end, timed_out)
            finally:
                self.capacity.release(end)
        finally:
            metrics.in_flight -= 1
        metrics.response(route.name, response.status, time.monotonic() - arrived)
        if response.status >= 500:
            self.analytics.note_sent("errors_5xx")
        sock.sendall(response.encode(request.keep_alive, extra_headers, request.method != "HEAD"))
        return request.keep_alive

    def _work(
        self, route: Route, request: Request, start: float, timed_out: bool = False
    ) -> tuple[float, Response]:
        """What a worker does from ``start``: spend the route's service time, then build the response.

        A request that ``timed_out`` waiting for the worker costs its service all the same (the
        application started it) and gets the IIS error page, as the 2016 site's pages did.
        Returns when the service was due to end (the worker's next start) and the response.
        """
        end = start + self.profile.service[route.cost_class].sample(self._rng)
        delay = end - time.monotonic()
        if delay > 0:
            gevent.sleep(delay)
        if timed_out:
            self.metrics.counters["errors_500_after_wait"] += 1
            return end, OVERLOAD_RESPONSES["500"]
        try:
            return end, route.handler(request)
        except Exception as error:  # a page bug must cost one 500, never the server
            print(f"error on {request.method} {request.path}: {error!r}", file=sys.stderr)
            return end, OVERLOAD_RESPONSES["500"]

    def _overload(self, sock: socket.socket, admission: Admission) -> bool:
        reason = admission.value
        self.metrics.counters[f"shed_{reason}"] += 1
        if self.profile.overload == "reset":
            self.metrics.counters[f"resets_{reason}"] += 1
            self.analytics.note_sent("resets")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _ABORTIVE_LINGER)
            sock.close()  # with linger 0 the kernel sends RST: "Connection reset by peer"
            return False
        response = OVERLOAD_RESPONSES[self.profile.overload]
        self.metrics.statuses[response.status] += 1
        self.metrics.counters["errors_5xx"] += 1
        self.analytics.note_sent("errors_5xx")
        sock.sendall(response.encode(keep_alive=False))
        return False

    def _admin_response(self, request: Request) -> Response:
        build = self._admin.get(request.path[len(ADMIN_PREFIX) :])
        if build is None:
            return Response(404, b"unknown admin endpoint", "text/plain")
        return build()


def _read_request(sock: socket.socket, buffered: bytes) -> tuple[Request | None, bytes]:
    """The next request on ``sock`` and the bytes after it; (None, b"") when the client closed."""
    buffered = buffered.lstrip(b"\r\n")
    end = buffered.find(b"\r\n\r\n")
    while end < 0:
        if len(buffered) > MAX_HEAD_BYTES:
            raise BadRequest(431, f"request line and headers over {MAX_HEAD_BYTES} bytes")
        chunk = sock.recv(65536)
        if not chunk:
            if buffered:
                raise BadRequest(400, "connection closed mid-request")
            return None, b""
        buffered = (buffered + chunk).lstrip(b"\r\n")
        end = buffered.find(b"\r\n\r\n")
    if end > MAX_HEAD_BYTES:
        raise BadRequest(431, f"request line and headers over {MAX_HEAD_BYTES} bytes")
    request = parse_head(buffered[:end])
    rest = buffered[end + 4 :]
    length = request.content_length
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise BadRequest(400, "connection closed before the whole body arrived")
        rest += chunk
    request.body = rest[:length]
    return request, rest[length:]


def _close_gracefully(sock: socket.socket) -> None:
    """Stop sending, then drain what the client still sends for a moment, so it reads our error page."""
    try:
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(LINGER_CLOSE_S)
        deadline = time.monotonic() + LINGER_CLOSE_S
        while time.monotonic() < deadline and sock.recv(65536):
            pass
    except OSError:
        pass  # the client already left


def _json(data: object) -> Response:
    return Response(200, json.dumps(data, indent=1).encode(), "application/json")
