"""Options and start-up shared by ``python -m target_app`` and ``flashcrowd target``."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

import gevent
import gevent.event

from flashcrowd_common.arguments import duration, port, positive
from flashcrowd_common.errors import UsageError
from flashcrowd_common.safety import is_loopback_host
from target_app import explain
from target_app.profile import (
    COST_CLASSES,
    OVERLOAD_ACTIONS,
    PROFILE_NAMES,
    SCHEDULE_FORMAT,
    SERVICE_FORMAT,
    Profile,
    load_profile,
    parse_distribution,
    parse_schedule_entry,
    with_overrides,
)

READY_LINE = "flashcrowd-target listening on {url}"
# The profile's fields that a capacity flag of the same name overrides as it is.
CAPACITY_FIELDS = (
    "workers",
    "queue",
    "queue_timeout_s",
    "overload",
    "error_after_wait_s",
    "seed",
    "idle_timeout_s",
)
EXAMPLES = """\
  flashcrowd target --profile ircc-2016 --port 8080     # the 2016 site on http://127.0.0.1:8080
  flashcrowd target --profile ci-small --overload 503    # answer 503 instead of resetting
  flashcrowd target --workers 3 --schedule 600:6         # the department's fix: 3 -> 6 servers at 10 min
  flashcrowd target --explain --think-time 20            # predicted capacity, no server
  flashcrowd target --tls --port 8443                    # HTTPS, with a throwaway certificate
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--profile", default="ircc-2016", help=f"a profile file or one of {', '.join(PROFILE_NAMES)}"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (loopback unless --allow-remote-bind)"
    )
    parser.add_argument("--port", type=port, default=8080, help="port to bind; 0 picks a free one")
    tls = parser.add_argument_group("HTTPS")
    tls.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a throwaway self-signed certificate for 127.0.0.1, ::1 and localhost "
        "(its file is named on the first line: trust it with --ca-cert)",
    )
    tls.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS with this PEM certificate")
    tls.add_argument("--tls-key", metavar="FILE", help="the private key of --tls-cert (if not in it)")
    parser.add_argument(
        "--allow-remote-bind",
        action="store_true",
        help="allow binding a non-loopback address, e.g. 0.0.0.0 in a container",
    )
    capacity = parser.add_argument_group("capacity (each overrides the profile)")
    capacity.add_argument("--workers", type=int, help="requests in service at once")
    capacity.add_argument("--queue", type=int, help="waiting slots in front of the workers")
    capacity.add_argument(
        "--queue-timeout", type=duration, metavar="DURATION", help="longest wait for a worker (20s)"
    )
    capacity.add_argument("--overload", choices=OVERLOAD_ACTIONS, help="what a turned-away request gets")
    capacity.add_argument(
        "--error-after-wait",
        type=duration,
        metavar="DURATION",
        help="answer the application's 500 page to a request that waited longer than this for a worker",
    )
    capacity.add_argument(
        "--service", action="append", default=[], metavar="CLASS=DIST",
        help=f"service time of a cost class ({', '.join(COST_CLASSES)}): CLASS={SERVICE_FORMAT}",
    )  # fmt: skip
    capacity.add_argument(
        "--schedule",
        action="append",
        metavar="CHANGE",
        help=f"capacity change (repeatable): {SCHEDULE_FORMAT}",
    )
    capacity.add_argument("--seed", type=int, help="seed of the service-time samples")
    capacity.add_argument(
        "--idle-timeout", type=duration, metavar="DURATION", help="close idle keep-alive connections"
    )
    prediction = parser.add_argument_group("prediction")
    prediction.add_argument("--explain", action="store_true", help="print the queueing prediction and exit")
    prediction.add_argument(
        "--think-time", type=duration, default=20.0, metavar="DURATION", help="Z for the knee N*"
    )
    prediction.add_argument(
        "--arrival-rate",
        type=positive,
        metavar="PER_S",
        help="rate for M/M/c/K (default: 1.5x each class's c/S)",
    )


def profile_from(args: argparse.Namespace) -> Profile:
    """The profile named by ``--profile`` with every capacity flag applied."""
    profile = load_profile(args.profile)
    service = dict(profile.service)
    for item in args.service:
        cost_class, _, spec = item.partition("=")
        if cost_class not in COST_CLASSES:
            raise UsageError(
                f"--service {item!r}: expected CLASS=DIST with CLASS one of {', '.join(COST_CLASSES)}"
            )
        try:
            service[cost_class] = parse_distribution(spec)
        except ValueError as error:
            raise UsageError(f"--service {item!r}: expected {error}") from None
    try:
        schedule = tuple(parse_schedule_entry(text) for text in args.schedule) if args.schedule else None
    except ValueError as error:
        raise UsageError(f"--schedule: expected {error}") from None
    # Each field's flag is its name without "_s" (--queue-timeout sets queue_timeout_s).
    flags = {field: getattr(args, field.removesuffix("_s")) for field in CAPACITY_FIELDS}
    return with_overrides(profile, service=service, schedule=schedule, **flags)


def run(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM (exit 0), or print the prediction with ``--explain``."""
    profile = profile_from(args)
    if args.explain:
        print(explain.report(profile, args.think_time, args.arrival_rate))
        return 0
    if not is_loopback_host(args.host) and not args.allow_remote_bind:
        raise UsageError(
            f"--host {args.host}: refusing to listen beyond this machine (127.0.0.1, localhost, ::1); "
            "pass --allow-remote-bind to serve on it"
        )
    with tempfile.TemporaryDirectory(prefix="flashcrowd-target-tls-") as scratch:
        return _serve(args, profile, _tls_files(args, Path(scratch)))


def _tls_files(args: argparse.Namespace, scratch: Path) -> tuple[Path, Path | None] | None:
    """The certificate and key to serve HTTPS with (a throwaway pair in ``scratch`` for --tls), or None."""
    if args.tls_key and not args.tls_cert:
        raise UsageError("--tls-key without --tls-cert: expected both, or --tls for a throwaway certificate")
    if args.tls_cert:
        return Path(args.tls_cert), Path(args.tls_key) if args.tls_key else None
    if args.tls:
        from target_app.tls import throwaway_certificate

        return throwaway_certificate(scratch)
    return None


def _serve(args: argparse.Namespace, profile: Profile, tls_files: tuple[Path, Path | None] | None) -> int:
    from target_app.server import TargetServer  # gevent's server only when serving
    from target_app.tls import server_context

    context = None
    if tls_files is not None:
        try:
            context = server_context(*tls_files)
        except OSError as error:
            reason = getattr(error, "reason", None) or error.strerror or error
            raise UsageError(f"--tls-cert {tls_files[0]}: cannot serve with it ({reason})") from None
    server = TargetServer(profile, args.host, args.port, context)
    try:
        server.start()
    except OSError as error:
        where = f"--host {args.host} --port {args.port}"
        raise UsageError(f"{where}: cannot listen there ({error.strerror})") from None
    # Handlers before the ready line: a caller may signal as soon as it reads that line.
    stopped = gevent.event.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(signum, stopped.set)
    certificate = f" (certificate {tls_files[0]})" if tls_files else ""
    print(READY_LINE.format(url=server.url) + certificate, flush=True)
    print(f"profile {profile.name}: site {profile.site}, {explain.summary(profile)}", flush=True)
    stopped.wait()
    server.stop()
    print("flashcrowd-target stopped", file=sys.stderr)
    return 0
