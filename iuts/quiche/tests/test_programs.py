"""PANTHER's own quiche programs, run for real against each other and against ngtcp2.

Each option is checked by what it leaves behind, never by what the programs say:
downloaded bytes, exit codes, and the qlog files and key logs of both sides (a
Retry moves the client's Initial to the server's connection ID before any packet
came back; a resumed handshake carries no certificate; 0-RTT data travels in 0RTT
packets under a CLIENT_EARLY_TRAFFIC_SECRET; a key update shows as key_updated).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from evidence import RECORD_SEPARATOR, events, handshake_crypto_bytes, qlogs
from panther.testing import silent_udp_port
from panther.transfer import TransferFile
from panther_base_quic import make_certificates
from panther_base_quic.testing import require_ngtcp2
from panther_base_rust import cargo
from panther_iut_quiche.programs import CLIENT_PROGRAM, PROJECT, SERVER_PROGRAM


def urls(port: int, plan: list[TransferFile], host: str = "127.0.0.1") -> list[str]:
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [f"https://{authority}/{item.name}" for item in plan]


def assert_downloaded(folder: Path, plan: list[TransferFile]) -> None:
    for item in plan:
        assert (folder / item.name).read_bytes() == item.content(), item.name


@pytest.mark.parametrize("alpn", ["hq-interop", "h3"])
def test_files_arrive_byte_for_byte(alpn: str, quiche_server, quiche_client, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server("--alpn", alpn)
    done = quiche_client(urls(server.port, plan), "--alpn", alpn)
    assert done.returncode == 0, done.stderr
    assert_downloaded(tmp_path / "downloads", plan)
    assert server.stop() == 0  # its qlog files are complete once it has stopped
    # Both sides leave a qlog file naming the ALPN TLS agreed on, and NSS key log lines.
    for side in ("client", "server"):
        (qlog,) = qlogs(tmp_path / f"{side}-qlog")
        chosen = [e["data"]["chosen_alpn"] for e in events(qlog) if e["name"] == "quic:alpn_information"]
        assert chosen == [{"string_value": alpn}]
        keys = (tmp_path / f"{side}-keys.log").read_text().split()
        assert "CLIENT_TRAFFIC_SECRET_0" in keys and "SERVER_HANDSHAKE_TRAFFIC_SECRET" in keys


def test_ipv6(quiche_server, quiche_client, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server(host="::1")
    done = quiche_client(urls(server.port, plan, host="::1"))
    assert done.returncode == 0, done.stderr
    assert_downloaded(tmp_path / "downloads", plan)


def test_retry_moves_the_client_to_the_servers_connection_id(
    quiche_server, quiche_client, plan, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    for retry in (False, True):
        shutil.rmtree(tmp_path / "client-qlog", ignore_errors=True)
        server = quiche_server(*(["--retry"] if retry else []))
        done = quiche_client(urls(server.port, plan[:1]))
        assert done.returncode == 0, done.stderr
        (qlog,) = qlogs(tmp_path / "client-qlog")
        before_any_answer = []
        for event in events(qlog):
            if event["name"] == "quic:packet_received":
                break
            if event["name"] == "quic:packet_sent" and event["data"]["header"]["packet_type"] == "initial":
                before_any_answer.append(event["data"]["header"]["dcid"])
        # Only a Retry makes a client change its Initial's destination before hearing anything else.
        assert (len(set(before_any_answer)) == 2) is retry, before_any_answer


@pytest.mark.parametrize("alpn", ["hq-interop", "h3"])
def test_resumption_and_zero_rtt(alpn: str, quiche_server, quiche_client, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server("--alpn", alpn, "--early-data")
    done = quiche_client(urls(server.port, plan), "--alpn", alpn, "--resumption", "--early-data")
    assert done.returncode == 0, done.stderr
    assert_downloaded(tmp_path / "downloads", plan)
    assert server.stop() == 0
    first, second = qlogs(tmp_path / "server-qlog")
    # The resumed handshake sends no certificate.
    assert handshake_crypto_bytes(second) * 2 < handshake_crypto_bytes(first)
    # The second connection's requests went out as 0-RTT data, under early traffic keys.
    _, resumed = qlogs(tmp_path / "client-qlog")
    zero_rtt = [
        e for e in events(resumed) if e["name"] == "quic:packet_sent" and e["data"]["header"]["packet_type"] == "0RTT"
    ]
    assert any(f.get("frame_type") == "stream" for e in zero_rtt for f in e["data"].get("frames", []))
    assert "CLIENT_EARLY_TRAFFIC_SECRET" in (tmp_path / "client-keys.log").read_text()


def test_resumption_without_early_data_sends_none(quiche_server, quiche_client, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server("--early-data")
    done = quiche_client(urls(server.port, plan), "--resumption")
    assert done.returncode == 0, done.stderr
    _, resumed = qlogs(tmp_path / "client-qlog")
    types = {e["data"]["header"]["packet_type"] for e in events(resumed) if e["name"] == "quic:packet_sent"}
    assert "0RTT" not in types


def test_a_session_file_carries_resumption_across_runs(quiche_server, quiche_client, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server()
    session = tmp_path / "session.bin"
    assert quiche_client(urls(server.port, plan[:1]), "--session-file", str(session)).returncode == 0
    assert session.stat().st_size > 0
    assert quiche_client(urls(server.port, plan[:1]), "--session-file", str(session)).returncode == 0
    assert server.stop() == 0
    first, second = qlogs(tmp_path / "server-qlog")
    assert handshake_crypto_bytes(second) * 2 < handshake_crypto_bytes(first)


def test_the_stream_limit_makes_the_client_wait(quiche_server, quiche_client, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server("--max-streams-bidi", "1")
    done = quiche_client(urls(server.port, plan))
    assert done.returncode == 0, done.stderr
    assert_downloaded(tmp_path / "downloads", plan)
    assert server.stop() == 0
    (qlog,) = qlogs(tmp_path / "server-qlog")
    params = [
        e["data"] for e in events(qlog) if e["name"] == "quic:parameters_set" and e["data"]["initiator"] == "local"
    ]
    assert params[0]["initial_max_streams_bidi"] == 1


def test_the_server_answers_a_key_update(quiche_server, tmp_path: Path, plan) -> None:  # type: ignore[no-untyped-def]
    require_ngtcp2()
    server = quiche_server("--alpn", "h3")
    done = subprocess.run(
        ["gtlsclient", "--quiet", "--exit-on-all-streams-close", "--key-update=1ms", "127.0.0.1", str(server.port),
         f"https://127.0.0.1:{server.port}/{plan[-1].name}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert server.stop() == 0
    (qlog,) = qlogs(tmp_path / "server-qlog")
    updates = [e["data"] for e in events(qlog) if e["name"] == "quic:key_updated"]
    assert {update.get("trigger") for update in updates} == {"remote_update"}


def test_a_client_migrates_with_a_connection_id_the_server_gave(quiche_server, tmp_path: Path, plan) -> None:  # type: ignore[no-untyped-def]
    """ngtcp2's client moves to a new local port after the handshake, and only with a spare
    connection ID of the server's (without one it stays where it is). Seen from the
    client's qlog: the server's NEW_CONNECTION_ID frames, the client retiring the ID of
    the handshake, the server's PATH_CHALLENGE on the new path and its PATH_RESPONSE to
    the client's; and the file, byte for byte. The request waits until after the move:
    quiche 0.29.3 never resends data stranded on a path a client left (see the README)."""
    require_ngtcp2()
    server = quiche_server("--alpn", "h3")
    downloads, qlog_dir = tmp_path / "downloads", tmp_path / "client-qlog"
    downloads.mkdir()
    qlog_dir.mkdir()
    done = subprocess.run(
        ["gtlsclient", "--quiet", "--exit-on-all-streams-close", "--change-local-addr=10ms", "--delay-stream=300ms",
         f"--qlog-dir={qlog_dir}", f"--download={downloads}", "127.0.0.1", str(server.port),
         *urls(server.port, plan[-1:])],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_downloaded(downloads, plan[-1:])
    (qlog,) = qlog_dir.glob("*.sqlog")
    frames = [
        (record["name"].rsplit(":", 1)[-1], frame["frame_type"])
        for record in events(qlog)
        if record["name"] in ("transport:packet_sent", "transport:packet_received")
        for frame in record["data"].get("frames", [])
    ]
    for seen in [
        ("packet_received", "new_connection_id"),
        ("packet_sent", "retire_connection_id"),
        ("packet_received", "path_challenge"),
        ("packet_received", "path_response"),
    ]:
        assert seen in frames, seen


@pytest.mark.parametrize(
    ("host", "options", "refusal"),
    [
        ("127.0.0.1", ["--ca-file", "FOREIGN"], "unable to get local issuer certificate"),
        ("127.0.0.1", ["--server-name", "other.example"], "Hostname mismatch"),
        # The test's certificate names 127.0.0.1 and ::1, not 127.0.0.2.
        ("127.0.0.2", [], "does not name 127.0.0.2"),
        ("127.0.0.2", ["--server-name", "localhost"], None),
    ],
)
def test_the_client_verifies_the_server(  # type: ignore[no-untyped-def]
    host: str, options: list[str], refusal: str | None, quiche_server, quiche_client, plan, tmp_path: Path
) -> None:
    foreign = make_certificates(tmp_path / "foreign", ["127.0.0.1"])
    server = quiche_server(host=host)
    options = [str(foreign.ca_file) if option == "FOREIGN" else option for option in options]
    done = quiche_client(urls(server.port, plan[:1], host=host), *options)
    downloaded = tmp_path / "downloads" / plan[0].name
    if refusal is None:
        assert done.returncode == 0, done.stderr
        assert downloaded.read_bytes() == plan[0].content()
    else:
        assert done.returncode == 1
        assert refusal in done.stderr
        assert not downloaded.exists()


def test_an_unsupported_version_is_refused_with_127(own_programs) -> None:  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [str(own_programs.binary(CLIENT_PROGRAM)), "--version", "6b3343cf", "https://127.0.0.1:1/"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 127
    assert "QUIC v1 (0x00000001) only" in done.stderr


def test_a_handshake_that_never_completes_ends_the_client(own_programs) -> None:  # type: ignore[no-untyped-def]
    with silent_udp_port() as port:
        done = subprocess.run(
            [str(own_programs.binary(CLIENT_PROGRAM)), "--no-verify", "--handshake-timeout", "300",
             f"https://127.0.0.1:{port}/x"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode == 1
    assert "the handshake did not complete within 300ms" in done.stderr


def test_sigterm_closes_connections_and_completes_the_qlog(quiche_server, quiche_client, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server()
    assert quiche_client(urls(server.port, plan)).returncode == 0
    assert server.stop() == 0
    (qlog,) = qlogs(tmp_path / "server-qlog")
    text = qlog.read_text()
    # Every record is whole: the buffered qlog was flushed before the process ended.
    assert all(json.loads(chunk) for chunk in text.split(RECORD_SEPARATOR) if chunk.strip())
    assert "stopping" in server.stderr()


def test_usage_mistakes_exit_with_2(own_programs) -> None:  # type: ignore[no-untyped-def]
    for argv, message in (
        ([SERVER_PROGRAM, "--listen", "nowhere"], "--listen expects ADDRESS:PORT"),
        ([SERVER_PROGRAM, "--listen", "127.0.0.1:1", "--cert", "/nonexistent", "--key", "/nonexistent"], "cannot load"),
        ([CLIENT_PROGRAM, "--bogus"], "unknown option --bogus"),
        ([CLIENT_PROGRAM, "https://a:1/x", "https://b:1/y"], "all URLs must be on the one server"),
    ):
        done = subprocess.run(
            [str(own_programs.binary(argv[0])), *argv[1:]], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2, (argv, done.stderr)
        assert message in done.stderr


def test_the_programs_own_unit_tests_pass(own_programs) -> None:  # type: ignore[no-untyped-def]
    # The dependencies are built (own_programs); the tests themselves take a minute at most.
    done = cargo.run_tests(PROJECT, ["qlog"], timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "test result: ok." in done.stdout and " 0 failed" in done.stdout


def _aioquic_client(port: int, plan: list[TransferFile], ca_file: Path, folder: Path, *options: str) -> None:
    urls_ = [f"--url={url}" for url in urls(port, plan)]
    done = subprocess.run(
        [sys.executable, "-m", "panther_iut_aioquic", "client", "--host", "127.0.0.1", "--port", str(port),
         "--alpn", "hq-interop", "--ca-file", str(ca_file), "--download-dir", str(folder), *urls_, *options],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_downloaded(folder, plan)


def test_the_server_takes_a_chacha20_only_client(quiche_server, certificates, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The server cannot restrict its suites (BoringSSL), but it agrees to the one a client offers.
    server = quiche_server()
    _aioquic_client(
        server.port, plan, certificates.ca_file, tmp_path / "dl", "--cipher-suites", "CHACHA20_POLY1305_SHA256"
    )
    assert server.stop() == 0
    (qlog,) = qlogs(tmp_path / "server-qlog")
    ciphers = {e["data"].get("tls_cipher") for e in events(qlog) if e["name"] == "quic:parameters_set"} - {None}
    assert ciphers == {"ChaCha20_Poly1305"}


def test_the_server_answers_aioquics_key_update(quiche_server, certificates, plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = quiche_server()
    _aioquic_client(server.port, plan, certificates.ca_file, tmp_path / "dl", "--key-update")
    assert server.stop() == 0
    (qlog,) = qlogs(tmp_path / "server-qlog")
    assert [e["data"].get("trigger") for e in events(qlog) if e["name"] == "quic:key_updated"]
