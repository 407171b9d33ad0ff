"""ngtcp2 against itself through ``panther run``, with the real programs."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from panther import ServiceContext, ServiceOutcome
from panther.testing import RecordedTest
from panther_base_quic.testing import quic_service, require_ngtcp2, run_pair
from panther_iut_ngtcp2 import Ngtcp2Config, Ngtcp2ServiceManager

TRANSFER = [1024, 1048576]


@pytest.fixture(autouse=True)
def _programs() -> None:
    require_ngtcp2()


def run(tmp_path: Path, client_keys: dict[str, Any]) -> RecordedTest:
    server = quic_service("ngtcp2", "server", "h3", transfer=TRANSFER)
    client = quic_service("ngtcp2", "client", "h3", transfer=TRANSFER, protocol={"verify_peer": False}, **client_keys)
    return run_pair(tmp_path, server, client, timeout=60).test()


def test_ngtcp2_to_ngtcp2_with_key_update(tmp_path: Path) -> None:
    test = run(tmp_path, {"key_update": True, "cipher_suites": ["CHACHA20_POLY1305_SHA256"]})
    assert test.verdict == "passed", test.reason
    checks = test.checks
    assert checks["client handshake"]["status"] == "passed"
    assert checks["client key update"]["status"] == "passed"
    assert "'h3' was chosen" in checks["client ALPN"]["reason"]
    assert checks["server QUIC version"]["status"] == "passed"
    keylog = test.output_dir / "client" / "keys.log"
    assert "CLIENT_TRAFFIC_SECRET_0" in keylog.read_text()


def test_ngtcp2_client_pointed_at_a_port_with_no_server(tmp_path: Path) -> None:
    """gtlsclient exits 0 even then: the plugin's verdict must still fail it."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    context = ServiceContext(
        name="client", role="client", test_name="t", host_output_dir=tmp_path, output_dir=tmp_path,
        host="127.0.0.1", port=port,
    )  # fmt: skip
    manager = Ngtcp2ServiceManager(Ngtcp2Config(handshake_timeout=1.0), context=context)
    (tmp_path / "qlog").mkdir()
    argv = manager.generate_run_argv(
        "client", alpn="h3", quic_version_wire=1, verify_peer=False, urls=[f"https://127.0.0.1:{port}/a.bin"],
        qlog_dir=str(tmp_path / "qlog"), download_dir=str(tmp_path),
    )  # fmt: skip
    with (tmp_path / "stderr.log").open("wb") as stderr:
        code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=stderr, timeout=60).returncode
    assert code == 0  # what gtlsclient really does, and why the log must be read
    outcome = ServiceOutcome(
        name="client", role="client", exit_code=code, duration=1.0, output_dir=tmp_path,
        stdout=tmp_path / "stdout.log", stderr=tmp_path / "stderr.log",
    )  # fmt: skip
    checks = {check.name: check for check in manager.evaluate(outcome)}
    assert checks["client handshake"].status == "failed"
    assert "ERR_HANDSHAKE_TIMEOUT" in checks["client handshake"].reason
