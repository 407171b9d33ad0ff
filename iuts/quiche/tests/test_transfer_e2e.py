"""The QUIC transfer experiment through ``panther run``, quiche in both roles.

Peers: aioquic (from PyPI, always there) over HTTP/0.9, and ngtcp2's Debian
programs (``gtlsserver``/``gtlsclient``, which speak only HTTP/3) over HTTP/3.
Each test skips, saying why, when quiche's programs or ngtcp2 are absent; with
``PANTHER_REQUIRE_PEERS`` naming them it fails instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from panther.testing import require_peer
from panther_iut_quiche.manager import BINARY_DIR_VARIABLE, HOW_TO_GET, SERVER_BINARY

TRANSFER = [1024, 65536, 1048576, 5242880]


def _quiche() -> str | None:
    folder = os.environ.get(BINARY_DIR_VARIABLE)
    if folder and (Path(folder) / SERVER_BINARY).is_file():
        return str(Path(folder) / SERVER_BINARY)
    return shutil.which(SERVER_BINARY)


def _service(implementation: str, role: str, alpn: str, verify_peer: bool) -> dict[str, object]:
    protocol: dict[str, object] = {
        "name": "quic",
        "version": "rfc9000",
        "role": role,
        "alpn": alpn,
        "transfer": TRANSFER,
    }
    if role == "client":
        protocol["target"] = "server"
        protocol["verify_peer"] = verify_peer
    return {"implementation": {"name": implementation, "type": "iut"}, "protocol": protocol}


@pytest.mark.parametrize(
    ("server", "client", "alpn"),
    [
        ("quiche", "aioquic", "hq-interop"),
        ("aioquic", "quiche", "hq-interop"),
        ("quiche", "ngtcp2", "h3"),
        ("ngtcp2", "quiche", "h3"),
        ("quiche", "quiche", "h3"),
    ],
)
def test_transfer(server: str, client: str, alpn: str, tmp_path: Path) -> None:
    require_peer("quiche", _quiche() is not None, HOW_TO_GET)
    if "ngtcp2" in (server, client):
        available = shutil.which("gtlsserver") is not None and shutil.which("gtlsclient") is not None
        require_peer("ngtcp2", available, "install Debian's ngtcp2-server and ngtcp2-client")
    # gtlsclient verifies no certificate: the test must say so, or it is refused.
    verify_peer = client != "ngtcp2"
    experiment = {
        "tests": [
            {
                "name": f"{server}-server-{client}-client-{alpn}",
                "network_environment": {"type": "local"},
                "services": {
                    "server": _service(server, "server", alpn, verify_peer),
                    "client": _service(client, "client", alpn, verify_peer),
                },
                "timeout": 120,
            }
        ]
    }
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(experiment))
    result = subprocess.run(
        [sys.executable, "-m", "panther", "run", str(path), "--output-dir", str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    runs = list((tmp_path / "out").glob("*/results.json"))
    assert len(runs) == 1, f"no results.json\n{result.stdout}\n{result.stderr}"
    results = json.loads(runs[0].read_text())
    not_passed = [
        f"{check['name']}: {check['status']}: {check['reason']}"
        for test in results["tests"]
        for check in test["checks"]
        if check["status"] != "passed"
    ]
    assert not not_passed, "\n".join(not_passed)
    assert result.returncode == 0, result.stdout + result.stderr
    downloads = sorted(p.name for p in runs[0].parent.rglob("downloads/*"))
    assert downloads == sorted(f"transfer-{size}.bin" for size in TRANSFER)
