"""PANTHER's own programs (``programs: panther``, the default): command lines for every
option in both roles, and what they refuse. Each option is one the programs take
(``test_programs.py`` runs them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panther.services.context import ServiceContext
from panther_iut_quiche import QuicheConfig, QuicheServiceManager

SERVER = {"cert_file": "/t/cert.pem", "key_file": "/t/key.pem", "host": "127.0.0.1", "port": 4443}
CLIENT = {"host": "127.0.0.1", "port": 4443, "ca_file": "/t/ca.pem"}
EVIDENCE = {"qlog_dir": "/o/qlog", "keylog_file": "/o/keys.log"}


def manager(role: str, config: QuicheConfig | None = None) -> QuicheServiceManager:
    context = ServiceContext(name=role, role=role, test_name="t", host_output_dir=Path("/o"), output_dir=Path("/o"))
    return QuicheServiceManager(config, context=context)


def argv(role: str, config: QuicheConfig | None = None, **kwargs: Any) -> list[str]:
    return manager(role, config).generate_run_argv(role=role, **kwargs)


def test_the_default_is_panthers_own_programs() -> None:
    assert QuicheConfig().programs == "panther"
    assert argv("server", **SERVER)[0] == "panther-quiche-server"
    assert argv("client", **CLIENT)[0] == "panther-quiche-client"


def test_server_minimal() -> None:
    assert argv("server", **SERVER, **EVIDENCE) == [
        "panther-quiche-server",
        "--listen",
        "127.0.0.1:4443",
        "--cert",
        "/t/cert.pem",
        "--key",
        "/t/key.pem",
        "--alpn",
        "hq-interop",
        "--handshake-timeout",
        "10000",
        "--idle-timeout",
        "30000",
        "--keylog-file",
        "/o/keys.log",
        "--qlog-dir",
        "/o/qlog",
    ]


def test_server_every_option() -> None:
    config = QuicheConfig(
        congestion_control="bbr2_gcongestion",
        early_data=True,
        retry=True,
        max_streams_bidi=50,
        idle_timeout=1.5,
        handshake_timeout=3,
        http_version="all",
        extra_args=["--unknown-to-plugin"],
    )
    assert argv("server", config, **{**SERVER, "host": "::1"}, www_dir="/srv/www", alpn="h3") == [
        "panther-quiche-server",
        "--listen",
        "[::1]:4443",
        "--cert",
        "/t/cert.pem",
        "--key",
        "/t/key.pem",
        "--root",
        "/srv/www",
        "--alpn",
        "hq-interop,h3",
        "--handshake-timeout",
        "3000",
        "--idle-timeout",
        "1500",
        "--cc",
        "bbr2_gcongestion",
        "--early-data",
        "--max-streams-bidi",
        "50",
        "--retry",
        "--unknown-to-plugin",
    ]


def test_client_minimal() -> None:
    assert argv("client", **CLIENT) == [
        "panther-quiche-client",
        "--version",
        "00000001",
        "--alpn",
        "hq-interop",
        "--handshake-timeout",
        "10000",
        "--idle-timeout",
        "30000",
        "--ca-file",
        "/t/ca.pem",
        "https://127.0.0.1:4443/",
    ]


def test_client_every_option() -> None:
    config = QuicheConfig(
        congestion_control="reno",
        session_file="/keep/session.bin",
        resumption=True,
        early_data=True,
        idle_timeout=2,
    )
    urls = ["https://127.0.0.1:4443/transfer-1024.bin", "https://127.0.0.1:4443/transfer-65536.bin"]
    assert argv("client", config, **CLIENT, **EVIDENCE, alpn="h3", download_dir="/o/downloads", urls=urls) == [
        "panther-quiche-client",
        "--version",
        "00000001",
        "--alpn",
        "h3",
        "--handshake-timeout",
        "10000",
        "--idle-timeout",
        "2000",
        "--cc",
        "reno",
        "--early-data",
        "--keylog-file",
        "/o/keys.log",
        "--qlog-dir",
        "/o/qlog",
        "--download-dir",
        "/o/downloads",
        "--ca-file",
        "/t/ca.pem",
        "--session-file",
        "/keep/session.bin",
        "--resumption",
        *urls,
    ]


def test_client_without_verification() -> None:
    command = argv("client", host="127.0.0.1", port=4443, verify_peer=False)
    assert command[-2:] == ["--no-verify", "https://127.0.0.1:4443/"]
    assert "--ca-file" not in command


def test_environment_is_the_rust_runtime_and_the_key_log() -> None:
    environment = manager("client", QuicheConfig(log_level="trace")).get_run_environment("client", **CLIENT, **EVIDENCE)
    # The qlog folder and the CA are options of the command, not variables.
    assert environment == {"SSLKEYLOGFILE": "/o/keys.log", "RUST_LOG": "trace", "RUST_BACKTRACE": "1"}
