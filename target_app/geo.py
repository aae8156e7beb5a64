"""Visitor country from an address, through a small bundled prefix table.

The prefixes are carved out of ranges reserved for documentation and
benchmarking (RFC 5737, RFC 2544, RFC 3849), so a load test's
X-Forwarded-For addresses never name a real network. The visitor code picks
its source addresses from ``PREFIXES``; the target reads them back with
``country_of``, so the share of US visitors is measured at the receiving end.
"""

from __future__ import annotations

import functools
import ipaddress

OTHER = "other"

PREFIXES: dict[str, list[str]] = {
    "US": ["198.18.0.0/17", "2001:db8:1::/48"],
    "CA": ["198.18.128.0/17", "2001:db8:2::/48"],
    "GB": ["198.19.0.0/18", "2001:db8:3::/48"],
    "FR": ["198.19.64.0/18", "2001:db8:4::/48"],
    "IN": ["198.19.128.0/18", "2001:db8:5::/48"],
    "MX": ["198.19.192.0/18", "2001:db8:6::/48"],
    OTHER: ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8:ff::/48"],
}

COUNTRIES: tuple[str, ...] = tuple(PREFIXES)

_NETWORKS = [
    (ipaddress.ip_network(prefix), country) for country, prefixes in PREFIXES.items() for prefix in prefixes
]


@functools.lru_cache(maxsize=65536)
def country_of(address: str) -> str:
    """The country code whose prefix holds ``address``; ``"other"`` for anything else or unparsable."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return OTHER
    for network, country in _NETWORKS:
        if ip.version == network.version and ip in network:
            return country
    return OTHER
