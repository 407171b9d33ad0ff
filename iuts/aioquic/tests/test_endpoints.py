"""The aioquic server and client as real processes, against each other and ngtcp2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import aioquic_argv, free_udp_port, run
from panther.transfer import TransferFile, check_download
from panther_base_quic import CertificateSet
from panther_base_quic.qlog import read_handshake_evidence

V1, V2 = 0x00000001, 0x6B3343CF


def client_argv(port: int, plan: list[TransferFile], downloads: Path, ca_file: Path, *options: str) -> list[str]:
    urls = [arg for item in plan for arg in ("--url", f"https://127.0.0.1:{port}/{item.name}")]
    return aioquic_argv(
        "client", "--port", str(port), "--download-dir", str(downloads), "--ca-file", str(ca_file), *urls, *options
    )


def assert_all_arrived(plan: list[TransferFile], downloads: Path) -> None:
    checks = [check_download("client", item, downloads) for item in plan]
    assert [c.status for c in checks] == ["passed"] * len(plan), [c.reason for c in checks]


@pytest.mark.parametrize("alpn", ["hq-interop", "h3"])
def test_transfer_between_aioquic_endpoints(
    alpn: str, aioquic_server, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    server = aioquic_server("--alpn", alpn)
    qlog = tmp_path / "client-qlog"
    qlog.mkdir()
    keylog = tmp_path / "client-keys.log"
    result = run(
        client_argv(
            server.port,
            plan,
            tmp_path / "dl",
            certificates.ca_file,
            "--alpn",
            alpn,
            "--qlog-dir",
            str(qlog),
            "--keylog-file",
            str(keylog),
        )  # fmt: skip
    )
    assert result.returncode == 0, result.stderr
    assert_all_arrived(plan, tmp_path / "dl")
    evidence = read_handshake_evidence(qlog)
    assert evidence.chosen_alpns == {alpn}
    assert evidence.versions == {V1}
    assert "CLIENT_TRAFFIC_SECRET_0" in keylog.read_text()
    server.stop()
    server_evidence = read_handshake_evidence(Path(server.process.args[server.process.args.index("--qlog-dir") + 1]))
    assert server_evidence.chosen_alpns == {alpn}


def test_resumption_zero_rtt_and_key_update(
    aioquic_server, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    server = aioquic_server()
    result = run(
        client_argv(
            server.port, plan, tmp_path / "dl", certificates.ca_file, "--alpn", "h3", "--zero-rtt", "--key-update"
        )
    )
    assert result.returncode == 0, result.stderr
    assert "connection 2: alpn=h3 version=v1 (0x00000001) resumed=yes early_data=accepted" in result.stdout
    assert_all_arrived(plan, tmp_path / "dl")
    server.stop()
    # The server saw the client's key update: the trace of a connection records it.
    qlog_dir = Path(server.process.args[server.process.args.index("--qlog-dir") + 1])
    # JSON-SEQ: a header record, then one record per event, each after a separator.
    records = [json.loads(record) for path in qlog_dir.glob("*.sqlog") for record in path.read_text().split("\x1e")[1:]]
    assert records and records[0]["qlog_format"] == "JSON-SEQ"
    updates = [
        record
        for record in records
        if record.get("name") == "security:key_updated" and record["data"].get("trigger") == "remote_update"
    ]
    assert updates, "the server never saw a key update"


def test_chacha20_only(aioquic_server, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path) -> None:
    server = aioquic_server("--cipher-suites", "CHACHA20_POLY1305_SHA256")
    keylog = tmp_path / "keys.log"
    ok = run(
        client_argv(
            server.port,
            plan,
            tmp_path / "dl",
            certificates.ca_file,
            "--cipher-suites",
            "TLS_CHACHA20_POLY1305_SHA256",
            "--keylog-file",
            str(keylog),
        )  # fmt: skip
    )
    assert ok.returncode == 0, ok.stderr
    refused = run(
        client_argv(server.port, plan, tmp_path / "dl2", certificates.ca_file, "--cipher-suites", "AES_128_GCM_SHA256")
    )
    assert refused.returncode == 1
    assert "handshake with" in refused.stderr and "failed" in refused.stderr


def test_quic_v2(aioquic_server, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path) -> None:
    server = aioquic_server("--quic-version", "v2")
    qlog = tmp_path / "qlog"
    qlog.mkdir()
    result = run(
        client_argv(
            server.port,
            plan,
            tmp_path / "dl",
            certificates.ca_file,
            "--quic-version",
            "0x6b3343cf",
            "--qlog-dir",
            str(qlog),
        )
    )
    assert result.returncode == 0, result.stderr
    assert read_handshake_evidence(qlog).chosen_versions == {V2}
    # A client insisting on v1 cannot talk to a v2-only server.
    refused = run(client_argv(server.port, plan, tmp_path / "dl2", certificates.ca_file, "--quic-version", "v1"))
    assert refused.returncode == 1
    assert "common protocol version" in refused.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--quic-version", "draft29", "QUIC version draft29 (0xff00001d) is not supported by aioquic"),
        ("--alpn", "h2", "ALPN h2 is not spoken"),
        ("--cipher-suites", "AES_128_CCM_SHA256", "cipher suite AES_128_CCM_SHA256 is not supported"),
    ],
)
def test_unsupported_feature_exits_127(
    option: str, value: str, message: str, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    result = run(client_argv(free_udp_port(), plan, tmp_path / "dl", certificates.ca_file, option, value))
    assert result.returncode == 127
    assert message in result.stderr


def test_unknown_cipher_suite_is_a_usage_error(
    certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    result = run(client_argv(free_udp_port(), plan, tmp_path / "dl", certificates.ca_file, "--cipher-suites", "ROT13"))
    assert result.returncode == 2
    assert "'ROT13' is not a TLS 1.3 cipher suite" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_server_gives_up_after_the_handshake_timeout(
    certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    port = free_udp_port()
    result = run(client_argv(port, plan, tmp_path / "dl", certificates.ca_file, "--handshake-timeout", "1"))
    assert result.returncode == 1
    assert f"no QUIC handshake with 127.0.0.1:{port} within 1s" in result.stderr


def test_server_refuses_a_key_that_is_not_its_certificates(
    certificates: CertificateSet, tmp_path: Path, www: Path
) -> None:
    from panther_base_quic import make_certificates

    other = make_certificates(tmp_path / "other", ["localhost"])
    result = run(
        aioquic_argv(
            "server",
            "--port",
            str(free_udp_port()),
            "--certificate",
            str(certificates.cert_file),
            "--private-key",
            str(other.key_file),
            "--www",
            str(www),
        )  # fmt: skip
    )
    assert result.returncode == 1
    assert "does not match certificate" in result.stderr


def test_client_refuses_a_certificate_it_cannot_verify(
    aioquic_server, plan: list[TransferFile], tmp_path: Path
) -> None:
    from panther_base_quic import make_certificates

    server = aioquic_server()
    stranger = make_certificates(tmp_path / "stranger", ["localhost"])
    refused = run(client_argv(server.port, plan, tmp_path / "dl", stranger.ca_file))
    assert refused.returncode == 1
    assert "TLS alert bad_certificate" in refused.stderr
    unverified = run(client_argv(server.port, plan, tmp_path / "dl2", stranger.ca_file, "--no-verify-peer"))
    assert unverified.returncode == 0, unverified.stderr


def test_missing_file_fails_the_client(aioquic_server, certificates: CertificateSet, tmp_path: Path) -> None:
    for alpn in ("hq-interop", "h3"):
        server = aioquic_server("--alpn", alpn)
        result = run(
            aioquic_argv(
                "client",
                "--port",
                str(server.port),
                "--download-dir",
                str(tmp_path / alpn),
                "--ca-file",
                str(certificates.ca_file),
                "--alpn",
                alpn,
                "--url",
                f"https://127.0.0.1:{server.port}/absent.bin",
            )  # fmt: skip
        )
        assert result.returncode == 1
        assert "FAILED https://127.0.0.1" in result.stdout


def test_path_outside_the_served_folder_is_not_served(
    aioquic_server, certificates: CertificateSet, tmp_path: Path
) -> None:
    server = aioquic_server("--alpn", "h3")
    result = run(
        aioquic_argv(
            "client",
            "--port",
            str(server.port),
            "--download-dir",
            str(tmp_path / "dl"),
            "--ca-file",
            str(certificates.ca_file),
            "--alpn",
            "h3",
            "--url",
            f"https://127.0.0.1:{server.port}/../tls/key.pem",
            "--url",
            f"https://127.0.0.1:{server.port}/%2e%2e/tls/key.pem",
        )  # fmt: skip
    )
    assert result.returncode == 1
    assert result.stdout.count("HTTP status 404") == 2


# ----------------------------------------------------------------- against ngtcp2
def test_aioquic_client_downloads_from_ngtcp2_over_h3(
    ngtcp2_server, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    server = ngtcp2_server()
    qlog = tmp_path / "qlog"
    qlog.mkdir()
    result = run(
        client_argv(
            server.port,
            plan,
            tmp_path / "dl",
            certificates.ca_file,
            "--alpn",
            "h3",
            "--qlog-dir",
            str(qlog),
            "--key-update",
        )
    )
    assert result.returncode == 0, result.stderr
    assert_all_arrived(plan, tmp_path / "dl")
    assert read_handshake_evidence(qlog).chosen_alpns == {"h3"}


def test_ngtcp2_speaks_no_hq_interop(
    ngtcp2_server, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    server = ngtcp2_server()
    result = run(client_argv(server.port, plan, tmp_path / "dl", certificates.ca_file, "--alpn", "hq-interop"))
    assert result.returncode == 1
    assert "TLS alert no_application_protocol" in result.stderr


def test_ngtcp2_client_downloads_from_aioquic(
    aioquic_server, certificates: CertificateSet, plan: list[TransferFile], tmp_path: Path
) -> None:
    from panther_base_quic.testing import require_ngtcp2

    require_ngtcp2()
    server = aioquic_server()
    downloads = tmp_path / "dl"
    downloads.mkdir()
    urls = [f"https://127.0.0.1:{server.port}/{item.name}" for item in plan]
    result = run(
        [
            "gtlsclient",
            "--quiet",
            "--exit-on-all-streams-close",
            "--download",
            str(downloads),
            "127.0.0.1",
            str(server.port),
            *urls,
        ]
    )
    assert result.returncode == 0, result.stderr
    assert_all_arrived(plan, downloads)
