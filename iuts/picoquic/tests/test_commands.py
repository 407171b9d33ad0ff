"""picoquicdemo command lines, as exact argv lists, for every option in both roles."""

from __future__ import annotations

from typing import Any

import pytest
from panther.services.manager import ServiceManagerError, UnsupportedFeatureError
from panther_iut_picoquic import PicoquicConfig, PicoquicServiceManager

SERVER = {"cert_file": "/t/cert.pem", "key_file": "/t/key.pem", "port": 4443}
CLIENT = {"host": "127.0.0.1", "port": 4443, "ca_file": "/t/ca.pem"}


def argv(role: str, config: PicoquicConfig | None = None, **kwargs: Any) -> list[str]:
    return PicoquicServiceManager(config).generate_run_argv(role=role, **kwargs)


def test_server_minimal() -> None:
    assert argv("server", **SERVER) == [
        "picoquicdemo",
        "-c",
        "/t/cert.pem",
        "-k",
        "/t/key.pem",
        "-p",
        "4443",
        "-d",
        "30000",
    ]


def test_server_every_option() -> None:
    config = PicoquicConfig(
        congestion_control="bbr",
        log_level="debug",
        retry=True,
        idle_timeout=5.5,
        early_data=True,
        extra_args=["-X"],
    )
    assert argv(
        "server",
        config,
        **SERVER,
        www_dir="/srv/www",
        qlog_dir="/o/qlog",
        keylog_file="/o/keys.log",
        alpn="h3",
        quic_version="v2",
    ) == [
        "picoquicdemo",
        "-c",
        "/t/cert.pem",
        "-k",
        "/t/key.pem",
        "-p",
        "4443",
        "-w",
        "/srv/www",
        "-r",
        "-d",
        "5500",
        "-G",
        "bbr",
        "-q",
        "/o/qlog",
        "-8",
        "-L",
        "-X",
    ]


def test_client_minimal() -> None:
    assert argv("client", **CLIENT) == [
        "picoquicdemo",
        "-n",
        "localhost",
        "-a",
        "hq-interop",
        "-v",
        "00000001",
        "-t",
        "/t/ca.pem",
        "-d",
        "30000",
        "127.0.0.1",
        "4443",
    ]


def test_client_every_option() -> None:
    config = PicoquicConfig(
        sni="example.test",
        congestion_control="cubic",
        log_level="debug",
        session_ticket_file="/keep/tickets.bin",
        early_data=True,
        idle_timeout=2,
    )
    urls = ["https://127.0.0.1:4443/transfer-1024.bin", "https://127.0.0.1:4443/transfer-65536.bin"]
    assert argv(
        "client",
        config,
        **CLIENT,
        alpn="h3",
        quic_version="draft29",
        download_dir="/o/downloads",
        qlog_dir="/o/qlog",
        keylog_file="/o/keys.log",
        output_dir="/o",
        urls=urls,
    ) == [
        "picoquicdemo",
        "-n",
        "example.test",
        "-a",
        "h3",
        "-v",
        "ff00001d",
        "-o",
        "/o/downloads",
        "-t",
        "/t/ca.pem",
        "-d",
        "2000",
        "-G",
        "cubic",
        "-q",
        "/o/qlog",
        "-8",
        "-L",
        "-T",
        "/keep/tickets.bin",
        "-N",
        "/o/picoquic-tokens.bin",
        "127.0.0.1",
        "4443",
        "/transfer-1024.bin;/transfer-65536.bin",
    ]


def test_client_keeps_tickets_in_its_folder_by_default() -> None:
    assert argv("client", **CLIENT, output_dir="/o")[-6:] == [
        "-T",
        "/o/picoquic-tickets.bin",
        "-N",
        "/o/picoquic-tokens.bin",
        "127.0.0.1",
        "4443",
    ]


def test_client_names_the_host_as_sni_when_it_is_a_name() -> None:
    assert argv("client", **{**CLIENT, "host": "server"})[1:3] == ["-n", "server"]


def test_client_on_ipv6() -> None:
    command = argv("client", **{**CLIENT, "host": "::1"}, urls=["https://[::1]:4443/a.bin"])
    assert command[-3:] == ["::1", "4443", "/a.bin"]


def test_client_without_verification_passes_no_trust_file() -> None:
    command = argv("client", host="127.0.0.1", port=4443, verify_peer=False)
    assert "-t" not in command


def test_version_wire_values() -> None:
    for name, wire in (("rfc9000", "00000001"), ("v1", "00000001"), ("v2", "6b3343cf"), ("rfc9369", "6b3343cf")):
        command = argv("client", **CLIENT, quic_version=name)
        assert command[command.index("-v") + 1] == wire


@pytest.mark.parametrize(
    ("role", "kwargs", "config", "message"),
    [
        ("server", {"port": 4443}, PicoquicConfig(), "needs cert_file and key_file"),
        ("server", SERVER, PicoquicConfig(sni="x"), "sni is a client option"),
        ("server", SERVER, PicoquicConfig(session_ticket_file="/t"), "session_ticket_file is a client option"),
        ("client", CLIENT, PicoquicConfig(retry=True), "retry is a server option"),
        ("client", {"host": "127.0.0.1", "port": 4443}, PicoquicConfig(), "needs ca_file"),
        ("client", CLIENT, PicoquicConfig(early_data=True), "early_data needs session_ticket_file"),
        ("client", {**CLIENT, "urls": ["https://10.0.0.9:4443/a"]}, PicoquicConfig(), "fetches from one server"),
        ("peer", SERVER, PicoquicConfig(), "not as a peer"),
    ],
)
def test_mistakes_are_explained(role: str, kwargs: dict[str, Any], config: PicoquicConfig, message: str) -> None:
    with pytest.raises(ServiceManagerError, match=message) as caught:
        argv(role, config, **kwargs)
    assert not isinstance(caught.value, UnsupportedFeatureError)
    assert str(caught.value).startswith("picoquic: ")


@pytest.mark.parametrize(
    ("role", "kwargs", "config", "message"),
    [
        ("server", SERVER, PicoquicConfig(early_data=False), "always accepts 0-RTT"),
        ("client", CLIENT, PicoquicConfig(session_ticket_file="/t", early_data=False), "sends 0-RTT data"),
        ("client", CLIENT, PicoquicConfig(handshake_timeout=3.0), "no handshake timeout"),
        ("server", SERVER, PicoquicConfig(handshake_timeout=3.0), "no handshake timeout"),
        ("client", {**CLIENT, "alpn": "doq"}, PicoquicConfig(), "ALPN 'doq' is not supported"),
        ("server", {**SERVER, "alpn": "doq"}, PicoquicConfig(), "ALPN 'doq' is not supported"),
        ("client", {**CLIENT, "quic_version_wire": 0xFF000020}, PicoquicConfig(), "0xff000020"),
        ("client", {**CLIENT, "urls": ["https://127.0.0.1:4443/a;b"]}, PicoquicConfig(), "scenario"),
    ],
)
def test_what_picoquicdemo_cannot_do_is_unsupported(
    role: str, kwargs: dict[str, Any], config: PicoquicConfig, message: str
) -> None:
    with pytest.raises(UnsupportedFeatureError, match=message):
        argv(role, config, **kwargs)


def test_the_command_string_is_shell_safe() -> None:
    command = PicoquicServiceManager().generate_run_command(role="server", **{**SERVER, "www_dir": "/a b;rm -rf /"})
    assert "'/a b;rm -rf /'" in command
