"""The visitors' TLS: one client context per process, from --ca-cert, --insecure, --client-cert/-key.

Every browser of a process wraps its connections with the same context (its
certificate store is read once); each new connection still makes a full
handshake, as a new visitor's browser does.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gevent.ssl

from flashcrowd_common.errors import UsageError


@dataclass(frozen=True)
class TlsSettings:
    """How visitors verify the site and prove who they are; the defaults trust the system's CAs."""

    ca_cert: str | None = None  # a PEM bundle to trust instead of the system's CAs
    insecure: bool = False  # no verification at all
    client_cert: str | None = None
    client_key: str | None = None

    @classmethod
    def from_options(cls, options: argparse.Namespace) -> TlsSettings:
        return cls(
            ca_cert=getattr(options, "ca_cert", None),
            insecure=bool(getattr(options, "insecure", False)),
            client_cert=getattr(options, "client_cert", None),
            client_key=getattr(options, "client_key", None),
        )

    def context(self) -> gevent.ssl.SSLContext:
        """The client context; UsageError naming the flag whose file cannot be used."""
        if self.insecure and self.ca_cert:
            raise UsageError("--insecure with --ca-cert: expected one of them (--insecure verifies nothing)")
        if self.client_key and not self.client_cert:
            raise UsageError("--client-key without --client-cert: expected both, or --client-cert alone")
        # gevent's own class: create_default_context() would give the standard library's wherever gevent
        # has not patched it (the CLI's pre-flight), whose sockets block the event loop.
        context = gevent.ssl.SSLContext(gevent.ssl.PROTOCOL_TLS_CLIENT)  # verifies certificate and name
        context.set_alpn_protocols(["http/1.1"])  # the visitors speak HTTP/1.1 only
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = gevent.ssl.CERT_NONE
        if self.ca_cert:
            _load("--ca-cert", self.ca_cert, "a PEM file of CA certificates", context.load_verify_locations)
        else:
            context.load_default_certs()
        if self.client_cert:
            _load(
                "--client-cert",
                self.client_cert,
                "a PEM certificate (with its key, or --client-key)",
                lambda path: context.load_cert_chain(path, self.client_key),
            )
        return context

    def absolute(self) -> TlsSettings:
        """The same settings with absolute file paths (a Locust worker may start elsewhere)."""
        return TlsSettings(
            ca_cert=_absolute(self.ca_cert),
            insecure=self.insecure,
            client_cert=_absolute(self.client_cert),
            client_key=_absolute(self.client_key),
        )


def _load(flag: str, path: str, expected: str, load: Callable[[str], object]) -> None:
    try:
        load(path)
    except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
        reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or str(error)
        raise UsageError(f"{flag} {path}: cannot use it ({reason}); expected {expected}") from None


def _absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None
