"""PANTHER's own quiche programs for the tests: built once per session, then run for real.

The build is the one the plugin makes (the Rust base's cargo build into the user's
cache), done here before any test so that no test's timeout pays for it: a first
run on a machine compiles BoringSSL (minutes), later runs find the programs built.
Without cargo the tests that need the programs skip, saying why, unless
``PANTHER_REQUIRE_PEERS`` names ``quiche``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from panther.testing import require_peer
from panther.transfer import TransferFile, transfer_plan, write_files
from panther_base_quic import CertificateSet, make_certificates
from panther_base_quic.testing import ServerProcess, free_udp_port
from panther_base_rust import cargo
from panther_iut_quiche.programs import CLIENT_PROGRAM, PROJECT, SERVER_PROGRAM

RUN_TIMEOUT = 120.0
# A first build compiles BoringSSL: minutes on a busy machine (pytest-timeout covers
# test functions only, see pyproject.toml, so the build has its own limit).
BUILD_TIMEOUT = 1800.0
HOW_TO_BUILD = "install Rust 1.88 or newer (cargo), cmake, a C/C++ compiler and libclang"


@pytest.fixture(scope="session")
def own_programs() -> cargo.CargoBuild:
    """The programs, built (or found in the cache) as the plugin's preparation does."""
    require_peer("quiche", cargo.find_cargo() is not None, HOW_TO_BUILD)
    built = cargo.build(
        PROJECT,
        ["qlog"],
        announce=lambda message: print(f"\nquiche: {message}", file=sys.stderr),
        timeout=BUILD_TIMEOUT,
    )
    how = f"compiled in {built.seconds:.0f} s" if built.compiled else "found in the cache"
    print(f"\nquiche: {PROJECT.package} {how}: {built.folder}", file=sys.stderr)
    return built


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificateSet:
    return make_certificates(tmp_path_factory.mktemp("tls"), ["localhost", "127.0.0.1", "::1"])


@pytest.fixture(scope="session")
def plan() -> list[TransferFile]:
    return transfer_plan((1024, 65536, 1048576), seed=3)


@pytest.fixture(scope="session")
def www(tmp_path_factory: pytest.TempPathFactory, plan: list[TransferFile]) -> Path:
    folder = tmp_path_factory.mktemp("www")
    write_files(folder, plan)
    return folder


@pytest.fixture
def quiche_server(own_programs: cargo.CargoBuild, certificates: CertificateSet, www: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Starts ``panther-quiche-server`` with extra options; returns it once it is up."""
    started: list[ServerProcess] = []

    def start(*options: str, host: str = "127.0.0.1") -> ServerProcess:
        port = free_udp_port(host)
        listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        argv = [
            str(own_programs.binary(SERVER_PROGRAM)), "--listen", listen,
            "--cert", str(certificates.cert_file), "--key", str(certificates.key_file),
            "--root", str(www), "--qlog-dir", str(tmp_path / "server-qlog"),
            "--keylog-file", str(tmp_path / "server-keys.log"), *options,
        ]  # fmt: skip
        server = ServerProcess(argv, port, tmp_path, host=host)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def quiche_client(own_programs: cargo.CargoBuild, certificates: CertificateSet, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Runs ``panther-quiche-client`` to the end with the test's CA and folders, plus options."""

    def fetch(urls: list[str], *options: str) -> subprocess.CompletedProcess[str]:
        argv = [
            str(own_programs.binary(CLIENT_PROGRAM)), "--ca-file", str(certificates.ca_file),
            "--download-dir", str(tmp_path / "downloads"), "--qlog-dir", str(tmp_path / "client-qlog"),
            "--keylog-file", str(tmp_path / "client-keys.log"), *options, *urls,
        ]  # fmt: skip
        return run(argv)

    return fetch
