"""The gtlsserver and gtlsclient command lines, option by option."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from panther import ServiceContext, ServiceManagerError, UnsupportedFeatureError
from panther_base_quic.cases import MULTIPLEXING_STREAM_LIMIT
from panther_base_quic.option_table import case_table_markdown
from panther_iut_ngtcp2 import Ngtcp2Config, Ngtcp2ServiceManager
from panther_iut_ngtcp2.manager import FEATURES, TEST_CASES

COMMON = {
    "host": "127.0.0.1",
    "port": 4711,
    "cert_file": "/tls/cert.pem",
    "key_file": "/tls/key.pem",
    "qlog_dir": "/out/qlog",
    "keylog_file": "/out/keys.log",
    "alpn": "h3",
    "quic_version": "rfc9000",
    "quic_version_wire": 1,
}


def manager(role: str, tmp_path: Path, **config: object) -> Ngtcp2ServiceManager:
    context = ServiceContext(
        name=role, role=role, test_name="t", host_output_dir=tmp_path, output_dir=tmp_path, host="127.0.0.1", port=4711
    )
    return Ngtcp2ServiceManager(Ngtcp2Config(**config), context=context)  # type: ignore[arg-type]


def test_server_command(tmp_path: Path) -> None:
    argv = manager("server", tmp_path).generate_run_argv("server", **COMMON, www_dir="/out/www")
    assert argv[0] == "gtlsserver"
    assert argv[-4:] == ["127.0.0.1", "4711", "/tls/key.pem", "/tls/cert.pem"]
    for option in ("--no-quic-dump", "--no-http-dump", "--qlog-dir=/out/qlog", "--htdocs=/out/www", "--cc=cubic",
                   "--timeout=30000ms", "--handshake-timeout=10000ms"):  # fmt: skip
        assert option in argv
    assert "--quiet" not in argv and "-q" not in argv


def test_client_command(tmp_path: Path) -> None:
    urls = ["https://127.0.0.1:4711/a.bin", "https://127.0.0.1:4711/b.bin"]
    argv = manager("client", tmp_path).generate_run_argv(
        "client", **COMMON, urls=urls, download_dir="/out/downloads", verify_peer=False
    )
    assert argv[0] == "gtlsclient"
    assert argv[-4:] == ["127.0.0.1", "4711", *urls]
    for option in (
        "--exit-on-all-streams-close",
        "--download=/out/downloads",
        "--version=0x00000001",
        "--qlog-dir=/out/qlog",
    ):
        assert option in argv


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            {"cipher_suites": ["CHACHA20_POLY1305_SHA256"]},
            "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305",
        ),
        (
            {"cipher_suites": ["TLS_AES_128_GCM_SHA256", "AES_128_CCM_SHA256"]},
            "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:+AES-128-CCM",
        ),
        ({"congestion_control": "bbr"}, "--cc=bbr"),
        ({"idle_timeout": 2.5}, "--timeout=2500ms"),
        ({"handshake_timeout": 3.0}, "--handshake-timeout=3000ms"),
        ({"key_update": True}, "--key-update=1ms"),
        ({"session_file": "/s/session.pem"}, "--session-file=/s/session.pem"),
        ({"transport_params_file": "/s/tp"}, "--tp-file=/s/tp"),
        ({"change_local_address": 0.25}, "--change-local-addr=250ms"),
        ({"extra_args": ["--max-data=2M"]}, "--max-data=2M"),
    ],
)
def test_client_options(config: dict[str, object], expected: str, tmp_path: Path) -> None:
    argv = manager("client", tmp_path, **config).generate_run_argv("client", **COMMON, verify_peer=False, urls=[])
    assert expected in argv


def test_server_retry_and_binary_path(tmp_path: Path) -> None:
    argv = manager("server", tmp_path, retry=True, binary_path="/opt/ngtcp2/server").generate_run_argv(
        "server", **COMMON
    )
    assert argv[0] == "/opt/ngtcp2/server"
    assert "--validate-addr" in argv


def test_keylog_goes_through_sslkeylogfile(tmp_path: Path) -> None:
    environment = manager("client", tmp_path).get_run_environment("client", keylog_file="/out/keys.log")
    assert environment["SSLKEYLOGFILE"] == "/out/keys.log"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"alpn": "hq-interop"}, "speak only HTTP/3"),
        (
            {"quic_version": "v2", "quic_version_wire": 0x6B3343CF},
            "v2 (0x6b3343cf) is not supported: libngtcp2 0.12 implements v1 only",
        ),
        ({"quic_version": "draft29", "quic_version_wire": 0xFF00001D}, "draft29"),
        ({"verify_peer": True}, "does not verify the server's certificate"),
    ],
)
def test_what_the_programs_cannot_do_is_refused(arguments: dict[str, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeatureError, match=message.replace("(", r"\(").replace(")", r"\)")):
        manager("client", tmp_path).generate_run_argv("client", **{**COMMON, "verify_peer": False, **arguments})


def test_unknown_cipher_suite_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ServiceManagerError, match="unknown TLS 1.3 cipher suite 'ROT13'"):
        manager("server", tmp_path, cipher_suites=["ROT13"]).generate_run_argv("server", **COMMON)


def test_missing_program_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without the programs: they are really absent
    with pytest.raises(ServiceManagerError, match="apt-get install ngtcp2-client"):
        manager("client", tmp_path).prepare()
    with pytest.raises(ServiceManagerError, match="binary_path '/nowhere/gtlsserver' does not exist"):
        manager("server", tmp_path, binary_path="/nowhere/gtlsserver").prepare()


def test_supported_features_tell_the_truth() -> None:
    features = Ngtcp2ServiceManager().get_supported_features()
    assert features["h3"] and not features["hq-interop"]
    assert not features["v2"] and not features["draft29"]
    assert not features["certificate_verification"]


def test_resumption_runs_the_client_twice_sharing_its_session_files(tmp_path: Path) -> None:
    urls = ["https://127.0.0.1:4433/a", "https://127.0.0.1:4433/b", "https://127.0.0.1:4433/c"]
    argv = manager("client", tmp_path).generate_run_argv(
        "client", **{**COMMON, "verify_peer": False}, test_case="resumption", urls=urls
    )
    assert argv[:3] == [sys.executable, "-m", "panther_base_quic.reconnect"]
    first, second = (json.loads(run) for run in argv[3:])
    session = f"--session-file={tmp_path / 'ngtcp2-session.pem'}"
    assert first[0] == second[0] == "gtlsclient"
    assert session in first and session in second
    assert first[-1:] == urls[:1] and second[-2:] == urls[1:]


@pytest.mark.parametrize("case", ["handshakeloss", "handshakecorruption"])
def test_the_lossy_handshake_cases_run_the_client_once_per_file(case: str, tmp_path: Path) -> None:
    urls = ["https://127.0.0.1:4433/a", "https://127.0.0.1:4433/b", "https://127.0.0.1:4433/c"]
    argv = manager("client", tmp_path).generate_run_argv(
        "client", **{**COMMON, "verify_peer": False}, test_case=case, urls=urls
    )
    assert argv[:3] == [sys.executable, "-m", "panther_base_quic.reconnect"]
    runs = [json.loads(run) for run in argv[3:]]
    assert [run[-1] for run in runs] == urls
    assert all("--handshake-timeout=60000ms" in run for run in runs)


@pytest.mark.parametrize(
    ("case", "role", "option"),
    [
        ("retry", "server", "--validate-addr"),
        ("multiplexing", "server", f"--max-streams-bidi={MULTIPLEXING_STREAM_LIMIT}"),
        ("chacha20", "client", "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305"),
        ("keyupdate", "client", "--key-update=1ms"),
        ("connectionmigration", "client", "--change-local-addr=300ms"),
    ],
)
def test_a_test_case_becomes_the_programs_options(case: str, role: str, option: str, tmp_path: Path) -> None:
    argv = manager(role, tmp_path).generate_run_argv(role, **{**COMMON, "verify_peer": False}, test_case=case)
    assert option in argv


def test_v2_is_unsupported_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeatureError, match="'v2' is not supported"):
        manager("server", tmp_path).generate_run_argv("server", **COMMON, test_case="v2")


def test_readme_holds_the_case_table() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert case_table_markdown(TEST_CASES, FEATURES) in readme
