"""Real endpoints on loopback for the aioquic plugin's tests.

Servers are real processes (this package's server, or ngtcp2's ``gtlsserver``) in
their own process group; a server counts as up once it answers a Version
Negotiation probe, never after a fixed pause. Every process a test starts is ended
when the test ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from panther.transfer import TransferFile, transfer_plan, write_files
from panther_base_quic import CertificateSet, make_certificates
from panther_base_quic.testing import ServerProcess as Server
from panther_base_quic.testing import free_udp_port, require_ngtcp2

SIZES = (1024, 65536, 1048576)
RUN_TIMEOUT = 120.0


def aioquic_argv(role: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "panther_iut_aioquic", role, *args]


def run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT, env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificateSet:
    return make_certificates(tmp_path_factory.mktemp("tls"), ["localhost", "127.0.0.1"])


@pytest.fixture(scope="session")
def plan() -> list[TransferFile]:
    return transfer_plan(SIZES, seed=7)


@pytest.fixture(scope="session")
def www(tmp_path_factory: pytest.TempPathFactory, plan: list[TransferFile]) -> Path:
    folder = tmp_path_factory.mktemp("www")
    write_files(folder, plan)
    return folder


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def aioquic_server(servers: list[Server], certificates: CertificateSet, www: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Start this package's server with extra options; returns it once it is up."""

    def start(*options: str) -> Server:
        port = free_udp_port()
        qlog = tmp_path / f"server-qlog-{port}"
        qlog.mkdir()
        argv = aioquic_argv(
            "server",
            "--port", str(port),
            "--certificate", str(certificates.cert_file),
            "--private-key", str(certificates.key_file),
            "--www", str(www),
            "--qlog-dir", str(qlog),
            *options,
        )  # fmt: skip
        server = Server(argv, port, tmp_path)
        servers.append(server)
        return server

    return start


@pytest.fixture
def ngtcp2_server(servers: list[Server], certificates: CertificateSet, www: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    require_ngtcp2()

    def start() -> Server:
        port = free_udp_port()
        argv = [
            "gtlsserver", "--quiet", "-d", str(www),
            "127.0.0.1", str(port), str(certificates.key_file), str(certificates.cert_file),
        ]  # fmt: skip
        server = Server(argv, port, tmp_path)
        servers.append(server)
        return server

    return start
