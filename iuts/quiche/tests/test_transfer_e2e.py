"""The QUIC transfer experiment through ``panther run``, quiche in both roles.

quiche is PANTHER's own programs (the default ``programs: panther``), built by the
session's ``own_programs`` fixture before any run (the same build, in the same
cache, as the plugin's preparation), so that no test's timeout pays for a first
compilation. Peers: aioquic (from PyPI) over HTTP/0.9, ngtcp2's Debian programs
(which speak only HTTP/3) over HTTP/3, and quiche itself over both. quiche's own
apps (``programs: upstream``) run too where they are installed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from evidence import events, handshake_crypto_bytes, qlogs
from panther.testing import require_peer, run_pair
from panther_base_quic.testing import assert_transfer_passes, quic_service
from panther_base_rust.cargo import CargoBuild
from panther_iut_quiche.manager import BINARY_DIR_VARIABLE, HOW_TO_GET


@pytest.mark.parametrize(
    ("server", "client", "alpn"),
    [
        ("quiche", "aioquic", "hq-interop"),
        ("aioquic", "quiche", "hq-interop"),
        ("quiche", "ngtcp2", "h3"),
        ("ngtcp2", "quiche", "h3"),
        ("quiche", "quiche", "h3"),
        ("quiche", "quiche", "hq-interop"),
    ],
)
def test_transfer(server: str, client: str, alpn: str, tmp_path: Path, own_programs: CargoBuild) -> None:
    run = assert_transfer_passes(tmp_path, server, client, alpn)
    test = run.test()
    # The quiche side's ALPN is checked against its qlog, not skipped.
    for name in ("server", "client"):
        if (server, client)[name == "client"] == "quiche":
            assert test.checks[f"{name} ALPN"]["status"] == "passed", test.checks[f"{name} ALPN"]


def test_retry_resumption_and_zero_rtt_keys_reach_the_programs(tmp_path: Path, own_programs: CargoBuild) -> None:
    run = run_pair(
        tmp_path,
        quic_service("quiche", "server", "h3", retry=True, early_data=True),
        quic_service("quiche", "client", "h3", resumption=True, early_data=True),
    )
    test = run.test()
    assert test.verdict == "passed", "\n".join(test.not_passed())
    server_qlogs = qlogs(test.output_dir / "server" / "qlog")
    client_qlogs = qlogs(test.output_dir / "client" / "qlog")
    assert len(server_qlogs) == len(client_qlogs) == 2
    assert handshake_crypto_bytes(server_qlogs[1]) * 2 < handshake_crypto_bytes(server_qlogs[0])
    sent = [e["data"]["header"]["packet_type"] for e in events(client_qlogs[1]) if e["name"] == "quic:packet_sent"]
    assert "0RTT" in sent
    command = (test.output_dir / "server" / "command.txt").read_text()
    assert "--retry" in command and "--early-data" in command
    # The programs were prepared (built, or found built) once per role, before any test's clock.
    lines = (run.output_dir / "events.jsonl").read_text().splitlines()
    steps = [event for event in map(json.loads, lines) if event["event"] == "PreparationStepEvent"]
    assert {(e["step"], e["status"]) for e in steps if e["step"].startswith("quiche")} == {
        ("quiche (server)", "started"),
        ("quiche (server)", "ready"),
        ("quiche (client)", "started"),
        ("quiche (client)", "ready"),
    }
    assert all(event["test"] is None for event in steps)


@pytest.mark.parametrize(
    ("server", "client", "alpn"), [("quiche", "aioquic", "hq-interop"), ("quiche", "quiche", "h3")]
)
def test_transfer_with_quiches_apps(server: str, client: str, alpn: str, tmp_path: Path) -> None:
    apps = [shutil.which(name) for name in ("quiche-server", "quiche-client")]
    require_peer("quiche-apps", all(apps), HOW_TO_GET + f" (or set {BINARY_DIR_VARIABLE})")
    keys = {"programs": "upstream"}
    run = run_pair(
        tmp_path,
        quic_service(server, "server", alpn, **(keys if server == "quiche" else {})),
        quic_service(client, "client", alpn, **(keys if client == "quiche" else {})),
    )
    test = run.test()
    assert test.verdict == "passed", "\n".join(test.not_passed())
    assert "quiche-server" in (test.output_dir / "server" / "command.txt").read_text()
