"""Command lines and environments, for every option in both roles: quiche's apps
(``programs: upstream``) here, PANTHER's own programs in ``test_own_commands.py``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from panther.services.context import ServiceContext
from panther_iut_quiche import QuicheConfig, QuicheServiceManager

SERVER = {"cert_file": "/t/cert.pem", "key_file": "/t/key.pem", "host": "127.0.0.1", "port": 4443}
CLIENT = {"host": "127.0.0.1", "port": 4443, "ca_file": "/t/ca.pem"}


def manager(role: str, config: QuicheConfig | None = None) -> QuicheServiceManager:
    context = ServiceContext(name=role, role=role, test_name="t", host_output_dir=Path("/o"), output_dir=Path("/o"))
    return QuicheServiceManager(config, context=context)


def upstream(**keys: Any) -> QuicheConfig:
    return QuicheConfig(programs="upstream", **keys)


def argv(role: str, config: QuicheConfig | None = None, **kwargs: Any) -> list[str]:
    # host and port are given explicitly: they override what the context decided.
    return manager(role, config or upstream()).generate_run_argv(role=role, **kwargs)


def test_server_minimal() -> None:
    assert argv("server", **SERVER) == [
        "quiche-server",
        "--listen",
        "127.0.0.1:4443",
        "--cert",
        "/t/cert.pem",
        "--key",
        "/t/key.pem",
        "--http-version",
        "HTTP/0.9",
        "--idle-timeout",
        "30000",
        "--no-retry",
    ]


def test_server_every_option() -> None:
    config = upstream(
        congestion_control="bbr2_gcongestion",
        early_data=True,
        retry=True,
        max_streams_bidi=50,
        idle_timeout=1.5,
        extra_args=["--disable-gso"],
    )
    assert argv("server", config, **{**SERVER, "host": "::1"}, www_dir="/srv/www", alpn="h3") == [
        "quiche-server",
        "--listen",
        "[::1]:4443",
        "--cert",
        "/t/cert.pem",
        "--key",
        "/t/key.pem",
        "--root",
        "/srv/www",
        "--max-streams-bidi",
        "50",
        "--http-version",
        "HTTP/3",
        "--idle-timeout",
        "1500",
        "--cc-algorithm",
        "bbr2_gcongestion",
        "--early-data",
        "--disable-gso",
    ]


def test_client_minimal() -> None:
    assert argv("client", **CLIENT) == [
        "quiche-client",
        "--wire-version",
        "00000001",
        "--http-version",
        "HTTP/0.9",
        "--idle-timeout",
        "30000",
        "https://127.0.0.1:4443/",
    ]


def test_client_every_option() -> None:
    config = upstream(
        congestion_control="reno", session_file="/keep/session.bin", early_data=True, http_version="all", idle_timeout=2
    )
    urls = ["https://127.0.0.1:4443/transfer-1024.bin", "https://127.0.0.1:4443/transfer-65536.bin"]
    assert argv("client", config, **CLIENT, alpn="h3", download_dir="/o/downloads", urls=urls) == [
        "quiche-client",
        "--wire-version",
        "00000001",
        "--http-version",
        "all",
        "--idle-timeout",
        "2000",
        "--cc-algorithm",
        "reno",
        "--early-data",
        "--dump-responses",
        "/o/downloads",
        "--session-file",
        "/keep/session.bin",
        *urls,
    ]


def test_client_without_verification() -> None:
    command = argv("client", host="127.0.0.1", port=4443, verify_peer=False)
    assert command[-2:] == ["--no-verify", "https://127.0.0.1:4443/"]
    environment = manager("client", upstream()).get_run_environment(
        "client", host="127.0.0.1", port=4443, verify_peer=False
    )
    assert "SSL_CERT_FILE" not in environment


def test_client_on_ipv6() -> None:
    assert (
        argv("client", **{**CLIENT, "host": "::1"}, urls=["https://[::1]:4443/a.bin"])[-1] == "https://[::1]:4443/a.bin"
    )


def test_client_environment() -> None:
    environment = manager("client", upstream(log_level="trace")).get_run_environment(
        "client", **CLIENT, qlog_dir="/o/qlog", keylog_file="/o/keys.log"
    )
    assert environment == {
        "RUST_LOG": "trace",
        "RUST_BACKTRACE": "1",
        "QLOGDIR": "/o/qlog",
        "SSLKEYLOGFILE": "/o/keys.log",
        # quiche-client's --trust-origin-ca-pem loads the CA but leaves verification off.
        "SSL_CERT_FILE": "/t/ca.pem",
    }


def test_server_environment() -> None:
    environment = manager("server", upstream()).get_run_environment(
        "server", **SERVER, qlog_dir="/o/qlog", ca_file="/t/ca.pem"
    )
    assert environment == {"RUST_LOG": "info", "RUST_BACKTRACE": "1", "QLOGDIR": "/o/qlog"}


def test_each_role_runs_its_own_program() -> None:
    assert argv("server", **SERVER)[0] == "quiche-server"
    assert argv("client", **CLIENT)[0] == "quiche-client"
