"""The server's doorman: it answers what aioquic would answer, keeps the rest for aioquic,
and is not opened for a server that is going to refuse to start."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import ssl
import struct
from pathlib import Path

import pytest
from aioquic.buffer import Buffer
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.packet import QuicPacketType, encode_quic_version_negotiation, pull_quic_header
from panther_base_quic import CertificateSet, make_certificates
from panther_base_quic.probe import build_probe_packet
from panther_iut_aioquic import endpoint
from panther_iut_aioquic.__main__ import build_parser
from panther_iut_aioquic.doorman import (
    DEFAULT_VERSIONS,
    SPOKEN_ALPNS,
    SPOKEN_CIPHER_SUITES,
    SPOKEN_VERSIONS,
    Doorman,
    may_open,
    negotiation_request,
    version_negotiation,
)

RESERVED = 0x1A2A3A4A


def aioquic_answers_with_negotiation(data: bytes, versions: list[int]) -> bool:
    """What aioquic's ``QuicServer.datagram_received`` decides for ``data``."""
    try:
        header = pull_quic_header(Buffer(data=data), host_cid_length=8)
    except ValueError:
        return False
    return (
        header.packet_type != QuicPacketType.VERSION_NEGOTIATION
        and header.version is not None
        and header.version not in versions
    )


def test_what_the_doorman_knows_is_what_aioquic_and_the_endpoints_say() -> None:
    assert list(DEFAULT_VERSIONS) == QuicConfiguration(is_client=False).supported_versions
    assert set(endpoint.SUPPORTED_VERSIONS) == SPOKEN_VERSIONS
    assert set(endpoint.CIPHER_SUITES) == SPOKEN_CIPHER_SUITES
    assert set(endpoint.SUPPORTED_ALPNS) == SPOKEN_ALPNS


def _datagrams() -> list[bytes]:
    dcid, scid = os.urandom(8), os.urandom(8)
    probe = build_probe_packet(dcid, scid, RESERVED)
    v1_initial = build_probe_packet(dcid, scid, 0x00000001)
    header = bytes([0xC0]) + struct.pack("!I", RESERVED) + bytes([8]) + dcid + bytes([8]) + scid
    return [
        probe,
        probe[:1199],  # the Length field runs past the end
        probe[:20],
        bytes([probe[0] & ~0x40]) + probe[1:],  # fixed bit cleared
        bytes([0xC0]) + struct.pack("!I", RESERVED) + bytes([21]) + os.urandom(21) + bytes([0]) + b"\0" * 40,
        bytes([0xD0]) + header[1:] + struct.pack("!H", 0x4000 | 20) + os.urandom(20),  # 0-RTT layout
        bytes([0xE0]) + header[1:] + struct.pack("!H", 0x4000 | 30) + os.urandom(20),  # Handshake, too short
        bytes([0xF0]) + header[1:] + os.urandom(16),  # Retry layout, just its tag
        bytes([0xF0]) + header[1:] + os.urandom(15),
        v1_initial,  # a version aioquic speaks: for aioquic
        build_probe_packet(dcid, scid, 0xFF00001D),  # unsupported, not reserved: aioquic answers it itself
        bytes([0x80]) + b"\0\0\0\0" + bytes([8]) + dcid + bytes([8]) + scid + struct.pack("!I", 1),  # a VN
        bytes([0x40]) + os.urandom(60),  # 1-RTT
    ]


def test_the_doorman_answers_exactly_the_reserved_versions_aioquic_would_answer_alike() -> None:
    for data in _datagrams():
        request = negotiation_request(data)
        reserved = struct.unpack_from("!I", data, 1)[0] & 0x0F0F0F0F == 0x0A0A0A0A if len(data) >= 5 else False
        assert (request is not None) == (reserved and aioquic_answers_with_negotiation(data, [1])), data[:8].hex()
        if request is not None:
            header = pull_quic_header(Buffer(data=data), host_cid_length=8)
            ours = version_negotiation(*request, DEFAULT_VERSIONS)
            theirs = encode_quic_version_negotiation(
                source_cid=header.destination_cid,
                destination_cid=header.source_cid,
                supported_versions=list(DEFAULT_VERSIONS),
            )
            assert ours[0] & 0x80 and ours[1:] == theirs[1:]


def test_the_doorman_answers_probes_and_keeps_everything_else_in_order() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    doorman = Doorman(sock, DEFAULT_VERSIONS)
    peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    peer.bind(("127.0.0.1", 0))
    peer.settimeout(10)
    try:
        dcid, scid = os.urandom(8), os.urandom(8)
        first, second = build_probe_packet(dcid, scid, 1), bytes([0x40]) + os.urandom(40)
        peer.sendto(first, sock.getsockname())
        peer.sendto(build_probe_packet(dcid, scid, RESERVED), sock.getsockname())
        answer, _ = peer.recvfrom(2048)
        peer.sendto(second, sock.getsockname())
        assert answer[1:5] == b"\0\0\0\0" and answer[6:14] == scid and answer[15:23] == dcid
        assert answer[23:] == struct.pack("!II", *DEFAULT_VERSIONS)
        handed, kept = doorman.hand_over()
        assert handed is sock
        # The datagram sent last may still be in the socket: then aioquic reads it from there.
        assert [data for data, _ in kept] in ([first], [first, second])
        assert all(address == peer.getsockname() for _, address in kept)
    finally:
        peer.close()
        sock.close()


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> CertificateSet:
    return make_certificates(tmp_path_factory.mktemp("tls"), ["localhost", "127.0.0.1"])


def _server_args(certificates: CertificateSet, www: Path, *options: str) -> argparse.Namespace:
    argv = ["server", "--certificate", str(certificates.cert_file), "--private-key", str(certificates.key_file)]
    return build_parser().parse_args([*argv, "--www", str(www), *options])


def test_a_server_that_will_refuse_to_start_gets_no_doorman(
    certificates: CertificateSet, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert may_open(_server_args(certificates, tmp_path))
    assert may_open(_server_args(certificates, tmp_path, "--quic-version", "v2", "--alpn", "h3"))
    assert not may_open(_server_args(certificates, tmp_path / "missing"))
    assert not may_open(_server_args(certificates, tmp_path, "--qlog-dir", str(tmp_path / "missing")))
    assert not may_open(_server_args(certificates, tmp_path, "--quic-version", "draft29"))
    assert not may_open(_server_args(certificates, tmp_path, "--alpn", "h2"))
    assert not may_open(_server_args(certificates, tmp_path, "--cipher-suites", "TLS_AES_128_CCM_SHA256"))
    other = make_certificates(tmp_path_factory.mktemp("other"), ["localhost"])
    mismatched = _server_args(certificates, tmp_path)
    mismatched.private_key = str(other.key_file)
    assert not may_open(mismatched)


def test_what_the_doorman_kept_is_served_once_aioquic_takes_the_socket(certificates: CertificateSet) -> None:
    from aioquic.asyncio import QuicConnectionProtocol, connect
    from panther_iut_aioquic.server import listen

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    doorman = Doorman(sock, DEFAULT_VERSIONS)
    served = QuicConfiguration(is_client=False, alpn_protocols=["hq-interop"])
    served.load_cert_chain(certificates.cert_file, certificates.key_file)
    # An initial RTT this long keeps the client from sending its Initial again within
    # the test: only the one the doorman kept can start the handshake.
    asking = QuicConfiguration(
        is_client=True, alpn_protocols=["hq-interop"], verify_mode=ssl.CERT_NONE, initial_rtt=60.0
    )

    handshaken = asyncio.Event()

    async def handshake() -> None:
        async with connect("127.0.0.1", port, configuration=asking) as client:
            handshaken.set()
            await client.ping()

    async def scenario() -> None:
        client = asyncio.create_task(handshake())
        while not doorman.kept:  # the client's Initial arrived while nothing could answer it
            await asyncio.sleep(0.01)
        server = await listen("127.0.0.1", port, doorman, configuration=served, create_protocol=QuicConnectionProtocol)
        try:
            await asyncio.wait_for(handshaken.wait(), 10)
            await client
        finally:
            server.close()

    # A client left waiting (when the kept Initial is lost) is abandoned with the loop,
    # instead of being closed: closing it would wait out its minute-long timers.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(scenario())
    finally:
        loop.close()
