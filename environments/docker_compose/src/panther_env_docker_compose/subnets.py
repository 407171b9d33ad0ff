"""A subnet for a test's network, chosen without asking the engine to make one first.

Services get fixed addresses, which the engine allows only on a network created with
its subnet. Letting the engine choose (creating a network, reading its subnet,
removing it, creating the real one) costs three calls more than choosing here: a
/24 of 172.16.0.0/12, the private range the engine itself draws from, that neither
a network of the engine nor a route of this host uses. Two harnesses that pick the
same one at once are told apart by the engine (the second creation fails) and the
loser picks again.
"""

from __future__ import annotations

import ipaddress
import random
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docker import DockerClient

POOL = ipaddress.IPv4Network("172.16.0.0/12")
PREFIX = 24
_ROUTES = Path("/proc/net/route")


def free_subnets(client: DockerClient, routes: Path = _ROUTES) -> Iterator[ipaddress.IPv4Network]:
    """/24s of :data:`POOL` that no engine network and no route of this host overlaps, in random order."""
    taken = [*_engine_subnets(client.networks.list()), *_routed(routes)]
    candidates = list(POOL.subnets(new_prefix=PREFIX))
    random.shuffle(candidates)  # harnesses starting together rarely want the same one
    for candidate in candidates:
        if not any(candidate.overlaps(other) for other in taken):
            yield candidate


def _engine_subnets(networks: list[Any]) -> Iterator[ipaddress.IPv4Network]:
    for network in networks:
        for config in (network.attrs.get("IPAM") or {}).get("Config") or []:
            try:
                subnet = ipaddress.ip_network(config.get("Subnet", ""), strict=False)
            except ValueError:
                continue
            if isinstance(subnet, ipaddress.IPv4Network):
                yield subnet


def _routed(routes: Path) -> Iterator[ipaddress.IPv4Network]:
    """The destinations of this host's IPv4 routes, but the default route."""
    try:
        lines = routes.read_text().splitlines()[1:]
    except OSError:
        return
    for line in lines:
        fields = line.split()
        if len(fields) < 8:
            continue
        # Little-endian hexadecimal, as the kernel writes them.
        destination, mask = (
            ipaddress.IPv4Address(struct.pack("<I", int(value, 16))) for value in (fields[1], fields[7])
        )
        if int(mask):
            yield ipaddress.IPv4Network(f"{destination}/{mask}", strict=False)


def _address(little_endian_hex: str) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(struct.pack("<I", int(little_endian_hex, 16)))
