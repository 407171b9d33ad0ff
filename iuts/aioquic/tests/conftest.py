"""Real endpoints on loopback for the aioquic plugin's tests.

Servers are real processes (this package's server, or ngtcp2's ``gtlsserver``) in
their own process group; a server counts as up once it answers a Version
Negotiation probe, never after a fixed pause. Every process a test starts is ended
when the test ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from panther.transfer import TransferFile, transfer_plan, write_files
from panther_base_quic import CertificateSet, make_certificates, version_negotiation_probe
from panther_base_quic.testing import require_ngtcp2

SIZES = (1024, 65536, 1048576)
START_TIMEOUT = 20.0
RUN_TIMEOUT = 120.0


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def aioquic_argv(role: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "panther_iut_aioquic", role, *args]


class Server:
    """A server process that is up (it answered the probe) until ``stop()``."""

    def __init__(self, argv: list[str], port: int, log_dir: Path, env: dict[str, str] | None = None) -> None:
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
        probe = version_negotiation_probe("127.0.0.1", port)
        deadline = time.monotonic() + START_TIMEOUT
        while not probe.attempt(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server {argv} did not come up:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> int | None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._stderr.close()
        return self.process.returncode


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
