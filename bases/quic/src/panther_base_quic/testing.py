"""Test helpers for QUIC implementation plugins: the transfer experiment, end to end.

A plugin's end-to-end tests describe a pair (server implementation, client
implementation, ALPN) and get back the real ``panther run``'s verdict and checks.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from panther.testing import ExperimentRun, require_peer, run_pair

#: File sizes of the transfer experiment: 1 KiB to 5 MiB.
TRANSFER = [1024, 65536, 1048576, 5242880]


def quic_service(
    implementation: str,
    role: str,
    alpn: str,
    *,
    version: str = "rfc9000",
    transfer: list[int] = TRANSFER,
    protocol: dict[str, Any] | None = None,
    service_keys: dict[str, Any] | None = None,
    **implementation_keys: Any,
) -> dict[str, Any]:
    """One service of a QUIC test; a client targets the service called ``server``."""
    block: dict[str, Any] = {"name": "quic", "version": version, "role": role, "alpn": alpn, "transfer": transfer}
    if role == "client":
        block["target"] = "server"
    block.update(protocol or {})
    return {
        "implementation": {"name": implementation, "type": "iut", **implementation_keys},
        "protocol": block,
        **(service_keys or {}),
    }


def require_ngtcp2() -> None:
    """Skip, or fail when required, unless ngtcp2's Debian programs are installed."""
    available = shutil.which("gtlsserver") is not None and shutil.which("gtlsclient") is not None
    require_peer("ngtcp2", available, "install Debian's ngtcp2-server and ngtcp2-client")


def assert_transfer_passes(folder: Path, server: str, client: str, alpn: str) -> ExperimentRun:
    """Run the transfer experiment for one pair and check that every check passed and
    every file arrived. ngtcp2's client verifies no certificate, so with it as the
    client the test must say so (``verify_peer: false``) or the plugin refuses it."""
    if "ngtcp2" in (server, client):
        require_ngtcp2()
    run = run_pair(
        folder,
        quic_service(server, "server", alpn),
        quic_service(client, "client", alpn, protocol={"verify_peer": client != "ngtcp2"}),
        name=f"{server}-server-{client}-client-{alpn}",
    )
    test = run.test()
    # A check whose evidence an implementation does not give (quiche's qlog has no
    # ALPN) is skipped, not failed: the verdict is still a pass, and says so.
    assert test.verdict == "passed", "\n".join(test.not_passed())
    assert run.exit_code == 0, run.output
    downloads = sorted(path.name for path in test.output_dir.rglob("downloads/*"))
    assert downloads == sorted(f"transfer-{size}.bin" for size in TRANSFER)
    return run
