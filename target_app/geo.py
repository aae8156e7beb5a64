"""Visitor country from an address, and addresses from a country, through one offline GeoIP database.

The database is iptocc's (the Regional Internet Registries' delegations, shipped
inside its wheel and refreshed with each release), or a MaxMind file (GeoLite2 /
GeoIP2 Country or City, ``.mmdb``) named by ``FLASHCROWD_GEOIP_DB``. The bundled
target reads visitors' countries with ``country_of``; the load generator picks
their X-Forwarded-For addresses with ``address_in`` from the same database, and
``flashcrowd scenario from-log`` counts a log's origins with it, so a site's own
analytics sees the countries a scenario asks for. Depends on the GeoIP packages
only: both target_app and flashcrowd import it.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import random
from collections.abc import Callable, Collection

import iptocc

OTHER = "other"
DATABASE_ENV = "FLASHCROWD_GEOIP_DB"
BATCH = 1 << 14  # random addresses looked up at a time while looking for a country's
MAX_BATCHES = 64  # a country with no address in 1 M random ones is treated as "other"
POOL_SIZE = 256  # addresses kept per country; visitors vary their last octet


class GeoIPError(Exception):
    """The GeoIP database named by the user cannot be read; the message says what was expected."""


@functools.cache
def _lookup() -> Callable[[list[str]], list[str | None]]:
    """Country codes (or None) for a batch of addresses, from the configured database."""
    path = os.environ.get(DATABASE_ENV, "").strip()
    if not path:
        return iptocc.country_code
    try:
        import maxminddb

        reader = maxminddb.open_database(path)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as error:
        raise GeoIPError(f"{DATABASE_ENV}={path}: expected a readable MaxMind .mmdb file ({error})") from None

    def country(address: str) -> str | None:
        try:
            record = reader.get(address)
        except ValueError:
            return None
        if not isinstance(record, dict):
            return None
        found = record.get("country") or record.get("registered_country") or {}
        return found.get("iso_code") if isinstance(found, dict) else None

    return lambda addresses: [country(address) for address in addresses]


def database_name() -> str:
    """What the lookups read, for reports: the MaxMind file, or iptocc and its version."""
    path = os.environ.get(DATABASE_ENV, "").strip()
    if path:
        return path
    from importlib.metadata import version

    return f"iptocc {version('iptocc')} (RIR delegations)"


@functools.lru_cache(maxsize=65536)
def country_of(address: str) -> str:
    """The ISO country code of ``address``; ``"other"`` for private, unassigned or unparsable ones."""
    text = address.strip().strip("[]")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return OTHER
    return _lookup()([text])[0] or OTHER


def _random_public(rng: random.Random) -> str:
    return f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


@functools.cache
def _pool(country: str) -> tuple[str, ...]:
    """Up to POOL_SIZE addresses the database places in ``country`` (drawn with a fixed seed)."""
    rng = random.Random(f"flashcrowd-geo-{country}")
    found: list[str] = []
    for _ in range(MAX_BATCHES):
        batch = [_random_public(rng) for _ in range(BATCH)]
        found += [a for a, code in zip(batch, _lookup()(batch), strict=True) if code == country]
        if len(found) >= POOL_SIZE:
            break
    return tuple(found[:POOL_SIZE])


def _other(rng: random.Random, exclude: Collection[str]) -> str:
    """A random public address whose country the database knows and ``exclude`` does not name."""
    address = _random_public(rng)
    for _ in range(100_000):  # most addresses qualify; the bound only guards an exclude of every country
        code = country_of(address)
        if code != OTHER and code not in exclude:
            break
        address = _random_public(rng)
    return address


def address_in(origin: str, rng: random.Random, exclude: Collection[str] = ()) -> str:
    """A random IPv4 address the database places in ``origin`` (a country code).

    ``"other"``, or a country the database has no address for, gives an address from a country
    not in ``exclude`` (the origins a scenario names, so "other" stays apart from them).
    """
    pool = _pool(origin.upper()) if origin != OTHER else ()
    if not pool:
        return _other(rng, {name.upper() for name in exclude})
    base = rng.choice(pool)
    varied = f"{base.rsplit('.', 1)[0]}.{rng.randrange(1, 255)}"
    return varied if country_of(varied) == origin.upper() else base
