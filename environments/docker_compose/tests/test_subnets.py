"""Subnets for test networks: free of the engine's networks and of this host's routes."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from panther_env_docker_compose.subnets import POOL, free_subnets

# /proc/net/route: 172.20.0.0/16 on eth1, a default route, 172.16.5.0/24 on a bridge.
ROUTES = """Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t000014AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
br0\t000510AC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
"""


def test_no_subnet_overlaps_a_route_or_a_network_of_the_engine(docker_client: Any, tmp_path: Path) -> None:
    routes = tmp_path / "route"
    routes.write_text(ROUTES)
    engine = [
        ipaddress.ip_network(config["Subnet"])
        for network in docker_client.networks.list()
        for config in (network.attrs.get("IPAM") or {}).get("Config") or []
        if "." in config.get("Subnet", "")
    ]
    taken = [ipaddress.ip_network("172.20.0.0/16"), ipaddress.ip_network("172.16.5.0/24"), *engine]
    chosen = list(free_subnets(docker_client, routes))
    assert chosen and all(subnet.subnet_of(POOL) and subnet.prefixlen == 24 for subnet in chosen)
    assert not [subnet for subnet in chosen if any(subnet.overlaps(other) for other in taken)]
    # Everything else of the pool is offered: the default route takes nothing.
    assert len(chosen) == len(list(POOL.subnets(new_prefix=24))) - sum(
        1 for subnet in POOL.subnets(new_prefix=24) if any(subnet.overlaps(other) for other in taken)
    )
