"""``docker-compose.yml``: the containers of one test, written for a user to re-run by hand.

The harness itself drives the engine through the docker SDK; this file records the
same images, commands, addresses and mounts in the format ``docker-compose up`` reads.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# Compose service names allow fewer characters than PANTHER service names.
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
NETWORK_KEY = "test"


def compose_name(service: str) -> str:
    return _UNSAFE.sub("_", service).strip("._-") or "service"


def write_compose_file(
    path: Path,
    *,
    network: str,
    subnet: str,
    labels: dict[str, str],
    services: dict[str, dict[str, Any]],
    container_dir: str,
) -> None:
    """Write the compose file for ``services`` (name -> image, argv, env, address, ...)."""
    document: dict[str, Any] = {
        "version": "3.8",
        "services": {},
        "networks": {
            NETWORK_KEY: {
                "name": network,
                "driver": "bridge",
                "ipam": {"config": [{"subnet": subnet}]},
                "labels": dict(labels),
            }
        },
    }
    for name, service in services.items():
        entry: dict[str, Any] = {
            "image": service["image"],
            "command": list(service["argv"]),
            "working_dir": container_dir,
            "environment": dict(service["env"]),
            "volumes": [f"{service['host_dir']}:{container_dir}"],
            "labels": dict(service["labels"]),
            "networks": {NETWORK_KEY: {"ipv4_address": service["address"], "aliases": [name]}},
        }
        if service.get("user"):
            entry["user"] = service["user"]
        target = service.get("target")
        if target and target in services and target != name:
            entry["depends_on"] = [compose_name(target)]
        document["services"][compose_name(name)] = entry
    header = (
        "# The containers of this test, as PANTHER ran them. Re-run by hand with:\n"
        "#   docker-compose -f docker-compose.yml up --abort-on-container-exit\n"
    )
    import yaml  # only when a compose file is written: not on the start-up path

    path.write_text(header + yaml.safe_dump(document, sort_keys=False, default_flow_style=False))
