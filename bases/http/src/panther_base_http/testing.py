"""Test helpers for HTTP implementation plugins: the transfer experiment, end to end.

A plugin's tests describe a pair (server implementation, client implementation, HTTP
version) and get back the real ``panther run``'s verdict and checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panther.testing import ExperimentRun, private_keys_in, run_pair

#: File sizes of the transfer experiment: 1 KiB to 1 MiB.
TRANSFER = [1024, 65536, 1048576]


def http_service(
    implementation: str,
    role: str,
    version: str = "http/1.1",
    *,
    transfer: list[int] = TRANSFER,
    protocol: dict[str, Any] | None = None,
    **implementation_keys: Any,
) -> dict[str, Any]:
    """One service of an HTTP test; a client targets the service called ``server``."""
    block: dict[str, Any] = {"name": "http", "version": version, "role": role, "transfer": transfer}
    if role == "client":
        block["target"] = "server"
    block.update(protocol or {})
    return {"implementation": {"name": implementation, "type": "iut", **implementation_keys}, "protocol": block}


def run_http_pair(
    folder: Path,
    server: str,
    client: str,
    version: str,
    *,
    tls: bool = False,
    environment: str = "local",
    **server_keys: Any,
) -> ExperimentRun:
    """Run the transfer experiment between ``server`` and ``client`` over ``version``, on
    the network ``environment`` (``docker_compose``: each in a container of its own)."""
    protocol = {"tls": True} if tls else None
    return run_pair(
        folder,
        http_service(server, "server", version, protocol=protocol, **server_keys),
        http_service(client, "client", version, protocol=protocol),
        name=f"{server}-{client}-{version.replace('/', '')}{'-tls' if tls else ''}",
        environment=environment,
    )


def assert_http_transfer_passes(
    folder: Path, server: str, client: str, version: str, *, tls: bool = False, environment: str = "local"
) -> ExperimentRun:
    """Every check passed, every file arrived, and no client folder holds a private key."""
    run = run_http_pair(folder, server, client, version, tls=tls, environment=environment)
    test = run.test()
    assert test.verdict == "passed", "\n".join(test.not_passed())
    assert run.exit_code == 0, run.output
    downloads = sorted(path.name for path in test.output_dir.rglob("downloads/*"))
    assert downloads == sorted(f"transfer-{size}.bin" for size in TRANSFER)
    for name in ("status", "version"):
        assert test.checks[f"server HTTP {name}"]["status"] == "passed", test.checks[f"server HTTP {name}"]
    assert not private_keys_in(test.output_dir / "client")
    return run
