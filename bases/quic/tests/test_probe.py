"""The Version Negotiation readiness probe against real sockets."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import AioquicServer
from panther.testing import UdpResponder
from panther_base_quic.certificates import CertificateSet
from panther_base_quic.probe import (
    INITIAL_DATAGRAM_SIZE,
    build_probe_packet,
    is_version_negotiation_for,
    reserved_version,
    version_negotiation_probe,
)


def test_reserved_versions_have_the_0x_a_a_a_a_form() -> None:
    for _ in range(50):
        version = reserved_version()
        assert version & 0x0F0F0F0F == 0x0A0A0A0A


def test_probe_packet_is_an_initial_sized_long_header() -> None:
    packet = build_probe_packet(b"D" * 8, b"S" * 8, 0x1A2A3A4A)
    assert len(packet) == INITIAL_DATAGRAM_SIZE
    assert packet[0] & 0xC0 == 0xC0
    assert struct.unpack_from("!I", packet, 1)[0] == 0x1A2A3A4A
    assert packet[5:14] == b"\x08" + b"D" * 8 and packet[14:23] == b"\x08" + b"S" * 8


def test_version_negotiation_must_swap_our_connection_ids() -> None:
    dcid, scid = b"d" * 8, b"s" * 8
    answer = b"\x80" + bytes(4) + b"\x08" + scid + b"\x08" + dcid + struct.pack("!I", 1)
    assert is_version_negotiation_for(answer, dcid, scid)
    assert not is_version_negotiation_for(answer, scid, dcid)  # IDs not swapped
    assert not is_version_negotiation_for(answer[:-1], dcid, scid)  # versions not a multiple of 4
    assert not is_version_negotiation_for(answer[:-4], dcid, scid)  # no version listed
    assert not is_version_negotiation_for(b"\x80" + struct.pack("!I", 1) + answer[5:], dcid, scid)  # not version 0


def test_probe_succeeds_against_a_real_aioquic_server(aioquic_server: AioquicServer) -> None:
    assert version_negotiation_probe("127.0.0.1", aioquic_server.port).attempt(timeout=5.0) is True


def test_probe_times_out_cleanly_where_nothing_answers(silent_port: int) -> None:
    probe = version_negotiation_probe("127.0.0.1", silent_port)
    assert probe.attempt(timeout=0.2) is False
    assert probe.describe() == f"QUIC version negotiation 127.0.0.1:{silent_port}"


def _unbound_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_probe_fails_cleanly_on_a_closed_port() -> None:
    # Nothing is bound now: the kernel answers with ICMP port unreachable.
    assert version_negotiation_probe("127.0.0.1", _unbound_port()).attempt(timeout=0.5) is False


def test_a_server_that_binds_late_is_refused_at_once_then_found() -> None:
    port = _unbound_port()
    probe = version_negotiation_probe("127.0.0.1", port)
    # Before the server binds, an attempt ends on the kernel's refusal, not on its
    # timeout (an unconnected socket would wait the whole ten minutes here).
    refused: list[bool] = []
    attempt = threading.Thread(target=lambda: refused.append(probe.attempt(timeout=600)))
    attempt.start()
    attempt.join(timeout=30)
    assert refused == [False], "the attempt waited for its timeout instead of seeing the refusal"
    exchange: list[bytes] = []

    def negotiate(data: bytes) -> bytes:
        exchange.append(data)
        dcid, scid = data[6:14], data[15:23]
        return b"\x80" + bytes(4) + b"\x08" + scid + b"\x08" + dcid + struct.pack("!I", 1)

    late = UdpResponder(negotiate, port=port)
    try:
        assert probe.attempt(timeout=60) is True
        assert len(exchange) == 1
    finally:
        late.close()


def test_probe_rejects_garbage(responder_factory: Callable[[Callable[[bytes], bytes]], UdpResponder]) -> None:
    garbage = responder_factory(lambda data: b"\x80\x00\x00\x00\x00garbage")
    assert version_negotiation_probe("127.0.0.1", garbage.port).attempt(timeout=2.0) is False
    assert garbage.received, "the peer must have been asked"


def test_probe_rejects_its_own_packet_echoed(
    responder_factory: Callable[[Callable[[bytes], bytes]], UdpResponder],
) -> None:
    echo = responder_factory(lambda data: data)
    assert version_negotiation_probe("127.0.0.1", echo.port).attempt(timeout=2.0) is False


@pytest.fixture
def ngtcp2_server(certificates: CertificateSet, tmp_path: Path, silent_port: int) -> Iterator[int]:
    binary = shutil.which("gtlsserver")
    if binary is None:
        if os.environ.get("PANTHER_REQUIRE_PEERS") == "1":
            pytest.fail("gtlsserver (Debian package ngtcp2-server) is required but absent")
        pytest.skip("gtlsserver (Debian package ngtcp2-server) is not installed")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            binary,
            "-q",
            "-d",
            str(tmp_path),
            "127.0.0.1",
            str(port),
            str(certificates.key_file),
            str(certificates.cert_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_probe_succeeds_against_ngtcp2(ngtcp2_server: int) -> None:
    probe = version_negotiation_probe("127.0.0.1", ngtcp2_server)
    # The server needs a moment to bind: probe until it answers, as the runner does.
    deadline = time.monotonic() + 30
    while not probe.attempt(timeout=0.5):
        assert time.monotonic() < deadline, "gtlsserver never answered the probe"
        time.sleep(0.01)
