"""The aioquic endpoints' command lines, option by option, and the features the plugin claims."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from panther import ServiceContext
from panther_base_quic.cases import MULTIPLEXING_STREAM_LIMIT
from panther_base_quic.option_table import case_table_markdown
from panther_iut_aioquic import AioquicConfig, AioquicServiceManager
from panther_iut_aioquic.__main__ import build_parser
from panther_iut_aioquic.manager import FEATURES, TEST_CASES

COMMON = {
    "cert_file": "/tls/cert.pem",
    "key_file": "/tls/key.pem",
    "ca_file": "/tls/ca.pem",
    "qlog_dir": "/out/qlog",
    "keylog_file": "/out/keys.log",
    "alpn": "h3",
    "quic_version": "v2",
    "quic_version_wire": 0x6B3343CF,
}


def manager(role: str, tmp_path: Path, **config: object) -> AioquicServiceManager:
    context = ServiceContext(
        name=role, role=role, test_name="t", host_output_dir=tmp_path, output_dir=tmp_path, host="127.0.0.1", port=4711
    )
    return AioquicServiceManager(AioquicConfig(**config), context=context)  # type: ignore[arg-type]


def parse(argv: list[str]):  # type: ignore[no-untyped-def]
    """The generated argv must be what the endpoint itself accepts."""
    assert argv[:3] == [sys.executable, "-m", "panther_iut_aioquic"]
    return build_parser().parse_args(argv[3:])


def test_server_command(tmp_path: Path) -> None:
    args = parse(manager("server", tmp_path).generate_run_argv("server", **COMMON, www_dir="/out/www"))
    assert (args.role, args.host, args.port) == ("server", "127.0.0.1", 4711)
    assert (args.certificate, args.private_key, args.www) == ("/tls/cert.pem", "/tls/key.pem", "/out/www")
    assert (args.alpn, args.quic_version, args.qlog_dir, args.keylog_file) == (
        ["h3"],
        0x6B3343CF,
        "/out/qlog",
        "/out/keys.log",
    )
    assert not args.retry


def test_client_command(tmp_path: Path) -> None:
    urls = ["https://127.0.0.1:4711/a.bin", "https://127.0.0.1:4711/b b.bin"]
    argv = manager("client", tmp_path).generate_run_argv(
        "client", **COMMON, urls=urls, download_dir="/out/dl", verify_peer=True
    )
    args = parse(argv)
    assert (args.role, args.urls, args.download_dir, args.ca_file, args.verify_peer) == (
        "client",
        urls,
        "/out/dl",
        "/tls/ca.pem",
        True,
    )
    assert not (args.resume or args.zero_rtt or args.key_update)


@pytest.mark.parametrize(
    ("role", "config", "attribute", "value"),
    [
        ("client", {"cipher_suites": ["CHACHA20_POLY1305_SHA256"]}, "cipher_suites", ["CHACHA20_POLY1305_SHA256"]),
        (
            "server",
            {"cipher_suites": ["AES_256_GCM_SHA384", "AES_128_GCM_SHA256"]},
            "cipher_suites",
            ["AES_256_GCM_SHA384", "AES_128_GCM_SHA256"],
        ),
        ("client", {"congestion_control": "cubic"}, "congestion_control", "cubic"),
        ("client", {"max_data": 1000, "max_stream_data": 500}, "max_stream_data", 500),
        ("server", {"idle_timeout": 2.5}, "idle_timeout", 2.5),
        ("client", {"handshake_timeout": 3.0}, "handshake_timeout", 3.0),
        ("client", {"resume": True}, "resume", True),
        ("client", {"zero_rtt": True}, "zero_rtt", True),
        ("client", {"key_update": True}, "key_update", True),
        ("client", {"connection_per_file": True}, "connection_per_file", True),
        ("client", {"migrate_after": 0.5}, "migrate_after", 0.5),
        (
            "server",
            {"faults": ["trust-addresses", "stay-on-first-path"]},
            "faults",
            ["trust-addresses", "stay-on-first-path"],
        ),
        (
            "client",
            {"faults": ["patient-handshake", "migrate-same-cid"]},
            "faults",
            ["patient-handshake", "migrate-same-cid"],
        ),
        ("client", {"server_name": "localhost"}, "server_name", "localhost"),
        ("server", {"retry": True}, "retry", True),
        ("server", {"max_streams_bidi": 10}, "max_streams_bidi", 10),
        ("server", {"quiet": True}, "quiet", True),
        ("server", {"faults": ["truncate", "no-retry"]}, "faults", ["truncate", "no-retry"]),
        ("client", {"faults": ["no-key-update"]}, "faults", ["no-key-update"]),
    ],
)
def test_every_option(role: str, config: dict[str, object], attribute: str, value: object, tmp_path: Path) -> None:
    argv = manager(role, tmp_path, **config).generate_run_argv(
        role, **COMMON, urls=["https://h/x"], download_dir="/d", www_dir="/w"
    )
    assert getattr(parse(argv), attribute) == value


def test_verification_off_and_extra_args(tmp_path: Path) -> None:
    argv = manager("client", tmp_path, extra_args=["--port", "9"]).generate_run_argv(
        "client", **COMMON, urls=["https://h/x"], download_dir="/d", verify_peer=False
    )
    args = parse(argv)
    assert args.verify_peer is False
    assert args.port == 9  # extra arguments come last, so they win


def test_a_value_with_shell_characters_stays_one_argument(tmp_path: Path) -> None:
    hostile = "/out/dl; rm -rf ~"
    argv = manager("client", tmp_path).generate_run_argv("client", **COMMON, urls=["https://h/x"], download_dir=hostile)
    assert hostile in argv
    assert parse(argv).download_dir == hostile


def test_supported_features_tell_the_truth() -> None:
    features = AioquicServiceManager().get_supported_features()
    assert features["hq-interop"] and features["h3"] and features["0rtt"] and features["v2"]
    assert not features["draft29"] and not features["aes_ccm"]


@pytest.mark.parametrize(
    ("case", "role", "attribute", "value"),
    [
        ("retry", "server", "retry", True),
        ("multiplexing", "server", "max_streams_bidi", MULTIPLEXING_STREAM_LIMIT),
        ("chacha20", "client", "cipher_suites", ["CHACHA20_POLY1305_SHA256"]),
        ("resumption", "client", "resume", True),
        ("zerortt", "client", "zero_rtt", True),
        ("keyupdate", "client", "key_update", True),
        ("handshake", "client", "key_update", False),
        ("handshakeloss", "client", "connection_per_file", True),
        ("handshakeloss", "client", "handshake_timeout", 60.0),
        ("handshakecorruption", "client", "connection_per_file", True),
        ("connectionmigration", "client", "migrate_after", 0.3),
        ("transfer", "client", "migrate_after", None),
    ],
)
def test_a_test_case_becomes_the_endpoints_options(
    case: str, role: str, attribute: str, value: object, tmp_path: Path
) -> None:
    argv = manager(role, tmp_path).generate_run_argv(
        role, **COMMON, test_case=case, urls=["https://h/x"], download_dir="/d", www_dir="/w"
    )
    assert getattr(parse(argv), attribute) == value


def test_readme_holds_the_case_table() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert case_table_markdown(TEST_CASES, FEATURES) in readme
