"""Test helpers for QUIC implementation plugins: the transfer experiment, end to end,
and real server processes on loopback.

A plugin's end-to-end tests describe a pair (server implementation, client
implementation, ALPN) and get back the real ``panther run``'s verdict and checks.
Tests that drive an implementation's programs directly start a server with
:class:`ServerProcess`, which counts as up once it answers a Version Negotiation
probe (never after a fixed pause) and ends its whole process group on ``stop()``.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from panther.testing import ExperimentRun, require_peer, run_pair

from panther_base_quic.probe import version_negotiation_probe

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


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port nothing listens on at this moment."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A QUIC server process that is up (it answered the probe) until :meth:`stop`.

    Its standard error goes to ``log_dir/server-<port>.stderr``; it runs in a process
    group of its own, ended as the harness ends one (SIGTERM, then SIGKILL).
    """

    start_timeout = 20.0

    def __init__(
        self,
        argv: list[str],
        port: int,
        log_dir: Path,
        *,
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.stderr_path = log_dir / f"server-{port}.stderr"
        self._stderr = self.stderr_path.open("wb")
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        probe = version_negotiation_probe(host, port)
        deadline = time.monotonic() + self.start_timeout
        while not probe.attempt(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server {argv} did not come up:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> int | None:
        """SIGTERM (SIGKILL after 10 s); the exit code."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._stderr.close()
        return self.process.returncode
