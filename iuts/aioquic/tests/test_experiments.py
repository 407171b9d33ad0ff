"""Experiments through ``panther run``: the aioquic/ngtcp2 pairs, and wrong setups
that must end in the right verdict (never a hang, never a pass)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import free_udp_port
from experiments import TRANSFER, run_experiment, service
from panther.netpath import read_path_record
from panther.testing import require_peer, run_panther
from panther_base_quic import make_certificates
from panther_base_quic.testing import require_ngtcp2

FILES = [f"transfer-{size}.bin" for size in TRANSFER]


def assert_passed_with(run, alpn: str) -> None:  # type: ignore[no-untyped-def]
    assert run.verdict == "passed", f"{run.reason}\n{run.output}"
    assert run.exit_code == 0
    for name in FILES:
        assert run.check(f"client received {name}")["status"] == "passed"
    for role in ("server", "client"):
        assert run.check(f"{role} ALPN")["status"] == "passed"
        assert repr(alpn) in run.check(f"{role} ALPN")["reason"]
        assert run.check(f"{role} QUIC version")["status"] == "passed"


@pytest.mark.parametrize("alpn", ["hq-interop", "h3"])
def test_aioquic_to_aioquic(alpn: str, tmp_path: Path) -> None:
    run = run_experiment(
        tmp_path, {"server": service("aioquic", "server", alpn), "client": service("aioquic", "client", alpn)}
    )
    assert_passed_with(run, alpn)


@pytest.mark.parametrize(("server", "client"), [("aioquic", "ngtcp2"), ("ngtcp2", "aioquic")])
def test_aioquic_with_ngtcp2_over_h3(server: str, client: str, tmp_path: Path) -> None:
    require_ngtcp2()
    # gtlsclient cannot verify certificates: its tests say so (see the ngtcp2 plugin).
    client_protocol = {"verify_peer": False} if client == "ngtcp2" else {}
    run = run_experiment(
        tmp_path,
        {
            "server": service(server, "server", "h3"),
            "client": service(client, "client", "h3", protocol=client_protocol),
        },
    )
    assert_passed_with(run, "h3")


def test_aioquic_features_under_the_harness(tmp_path: Path) -> None:
    run = run_experiment(
        tmp_path,
        {
            "server": service("aioquic", "server", "h3", version="v2", cipher_suites=["CHACHA20_POLY1305_SHA256"]),
            "client": service("aioquic", "client", "h3", version="v2", zero_rtt=True, key_update=True),
        },
    )
    assert_passed_with(run, "h3")
    assert "0x6b3343cf" in run.check("client QUIC version")["reason"]
    stdout = (run.test_dir / "client" / "stdout.log").read_text()
    assert "resumed=yes early_data=accepted" in stdout


def test_unsupported_version_is_an_unsupported_verdict(tmp_path: Path) -> None:
    run = run_experiment(
        tmp_path,
        {"server": service("aioquic", "server", "h3"), "client": service("aioquic", "client", "h3", version="draft29")},
    )
    client_exit = run.check("client exit")
    assert client_exit["status"] == "unsupported"
    assert "QUIC version draft29 (0xff00001d) is not supported by aioquic" in client_exit["reason"]
    assert run.verdict in ("unsupported", "failed")
    assert run.exit_code != 0


# ----------------------------------------------------------------- wrong setups
def test_client_pointed_at_a_port_with_no_server(tmp_path: Path) -> None:
    port = free_udp_port()
    # The last --port wins: the client really aims at a port where nothing listens.
    client = service("aioquic", "client", "h3", extra_args=["--port", str(port)], handshake_timeout=2.0)
    run = run_experiment(tmp_path, {"server": service("aioquic", "server", "h3"), "client": client})
    assert run.verdict == "failed"
    assert f"no QUIC handshake with 127.0.0.1:{port} within 2s" in run.check("client exit")["reason"]
    assert run.check(f"client received {FILES[0]}")["status"] == "failed"


def test_server_key_not_matching_its_certificate(tmp_path: Path) -> None:
    first = make_certificates(tmp_path / "first", ["127.0.0.1", "localhost"])
    second = make_certificates(tmp_path / "second", ["127.0.0.1", "localhost"])
    server = service(
        "aioquic",
        "server",
        "h3",
        cert_file=str(first.cert_file),
        key_file=str(second.key_file),
        ca_file=str(first.ca_file),
    )
    run = run_experiment(tmp_path, {"server": server, "client": service("aioquic", "client", "h3")})
    assert run.verdict == "failed"
    assert "server exited with code 1 before it was ready" in run.reason
    assert "does not match certificate" in (run.test_dir / "server" / "stderr.log").read_text()


def test_client_refusing_the_servers_certificate(tmp_path: Path) -> None:
    stranger = make_certificates(tmp_path / "stranger", ["127.0.0.1"])
    client = service("aioquic", "client", "h3", ca_file=str(stranger.ca_file))
    run = run_experiment(tmp_path, {"server": service("aioquic", "server", "h3"), "client": client})
    assert run.verdict == "failed"
    assert "TLS alert bad_certificate" in run.check("client exit")["reason"]


def test_file_arriving_truncated(tmp_path: Path) -> None:
    # A path limited to 8 Mbit/s towards the client moves about 8 MiB of a 96 MiB file
    # before the server's 8 s are over (whatever the machine's load, the handshake
    # fits in them); the client waits one idle timeout for the rest, then ends with
    # what it has.
    big = 96 * 1024 * 1024
    experiment = {
        "tests": [
            {
                "name": "t",
                "network_environment": {"type": "local", "path": {"to_client": {"rate_mbit": 8}}},
                "services": {
                    "server": service(
                        "aioquic", "server", "h3", protocol={"transfer": [big]}, service_keys={"timeout": 8}
                    ),
                    "client": service("aioquic", "client", "h3", protocol={"transfer": [big]}, idle_timeout=2.0),
                },
                "timeout": 60,
            }
        ]
    }
    test = run_panther(experiment, tmp_path).test()
    assert test.verdict == "failed", test.not_passed()
    received = test.checks[f"client received transfer-{big}.bin"]
    assert received["status"] == "failed"
    assert "truncated" in received["reason"]
    assert test.checks["client exit"]["status"] == "failed"


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_a_transfer_through_the_network_path_decrypts_from_its_capture(host: str, tmp_path: Path) -> None:
    """The path's captures are real: tshark decrypts both legs with the endpoints' key logs."""
    tshark = shutil.which("tshark")
    require_peer("tshark", tshark is not None, "install Debian's tshark package")
    assert tshark is not None
    experiment = {
        "tests": [
            {
                "name": "t",
                "network_environment": {"type": "local", "host": host, "path": {}},
                "services": {
                    "server": service("aioquic", "server", "h3"),
                    "client": service("aioquic", "client", "h3"),
                },
                "timeout": 60,
            }
        ]
    }
    test = run_panther(experiment, tmp_path).test()
    assert test.verdict == "passed", test.not_passed()
    assert test.checks["network path"]["status"] == "passed"
    [route] = read_path_record(test.output_dir / "path" / "path.json").routes
    for capture, port, keys in (("server.pcap", route.target[1], "server"), ("client.pcap", route.relay[1], "client")):
        fields = subprocess.run(
            [tshark, "-r", str(test.output_dir / "path" / capture),
             "-o", f"tls.keylog_file:{test.output_dir / keys / 'keys.log'}", "-d", f"udp.port=={port},quic",
             "-T", "fields", "-e", "quic.decryption_failed", "-e", "http3.frame_type"],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()  # fmt: skip
        assert fields and not any(line.split("\t")[0] for line in fields), f"{capture}: undecryptable packets"
        assert any(line.split("\t")[1:] != [""] for line in fields), f"{capture}: no HTTP/3 frame decoded"
