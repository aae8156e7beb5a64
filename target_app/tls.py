"""HTTPS for the bundled site: a throwaway self-signed certificate, or the operator's own.

``throwaway_certificate(directory)`` writes ``cert.pem`` and ``key.pem`` for 127.0.0.1,
::1 and localhost, valid for a day; a client trusts it with ``--ca-cert cert.pem``.
Needs the ``cryptography`` package (a flashcrowd dependency) only when called.
"""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import gevent.ssl

LOOPBACK_NAMES = ("localhost",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
VALID_FOR = datetime.timedelta(days=1)


def throwaway_certificate(directory: Path) -> tuple[Path, Path]:
    """A new key and a self-signed certificate for this machine's loopback names: (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flashcrowd target (throwaway)")])
    now = datetime.datetime.now(datetime.UTC)
    alternative_names = [x509.DNSName(n) for n in LOOPBACK_NAMES] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in LOOPBACK_ADDRESSES
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> gevent.ssl.SSLContext:
    """The server's TLS context (gevent's, so handshakes yield to other connections); OSError (ssl.SSLError
    among them) if the files do not load."""
    # gevent's class itself: create_default_context() gives the standard library's in an unpatched
    # process such as this one, whose handshakes and reads would block every other connection.
    context = gevent.ssl.SSLContext(gevent.ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["http/1.1"])
    return context
