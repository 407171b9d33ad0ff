"""Malformed MINIP input: rejected with a reason by the decoder, survived by the server.

The same list of bad datagrams (one per way the wire format can be broken) is fed
to the decoder and, over real UDP, to the server in every variant that must survive it.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
from collections.abc import Callable

import pytest
from panther_base_minip.wire import HEADER_SIZE, MAX_PAYLOAD, MalformedDatagram, decode, encode, ping, pong_for
from processes import RunningServer

Start = Callable[..., RunningServer]


def _header(kind: int = 0x01, version: int = 0x01, sequence: int = 1, length: int = 0) -> bytes:
    return struct.pack("!BBIQH", kind, version, sequence, 42, length)


MALFORMED = {
    "empty": (b"", "shorter than the 16-byte header"),
    "one byte": (b"\x01", "shorter than the 16-byte header"),
    "header minus one": (_header()[:-1], "shorter than the 16-byte header"),
    "unknown type": (_header(kind=0x03), "unknown type 0x03"),
    "type zero": (_header(kind=0x00), "unknown type 0x00"),
    "wrong version": (_header(version=0x02), "unsupported version 0x02"),
    "payload too long": (_header(length=MAX_PAYLOAD + 1) + b"x" * (MAX_PAYLOAD + 1), "exceeds the maximum of 1200"),
    "shorter than announced": (_header(length=10) + b"x" * 9, "25 bytes but its header announces 26"),
    "longer than announced": (_header(length=2) + b"xyz", "19 bytes but its header announces 18"),
    "trailing byte": (encode(ping(1)) + b"\x00", "17 bytes but its header announces 16"),
}


@pytest.mark.parametrize(("data", "reason"), MALFORMED.values(), ids=MALFORMED.keys())
def test_decoder_rejects_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedDatagram, match=reason):
        decode(data)


def test_random_bytes_raise_only_malformed_datagram() -> None:
    draws = random.Random(2024)
    for _ in range(5000):
        data = bytes(draws.randrange(256) for _ in range(draws.randrange(0, 40)))
        # Anything other than MalformedDatagram escapes and fails the test.
        with contextlib.suppress(MalformedDatagram):
            decode(data)


def test_encode_decode_round_trip_at_the_size_limits() -> None:
    for payload in (b"", b"\x00", b"p" * MAX_PAYLOAD):
        request = ping(0xFFFFFFFF, payload, timestamp_ns=2**64 - 1)
        data = encode(request)
        assert len(data) == HEADER_SIZE + len(payload)
        assert decode(data) == request


@pytest.mark.parametrize("variant", ["functional", "fail", "flaky", "slow", "malformed"])
def test_server_survives_every_malformed_datagram(
    server_factory: Start, udp_socket: socket.socket, variant: str
) -> None:
    server = server_factory("--variant", variant, "--drop-rate", "0", "--delay", "0")
    address = (server.host, server.port)
    draws = random.Random(variant)
    garbage = [data for data, _ in MALFORMED.values()]
    garbage += [bytes(draws.randrange(256) for _ in range(draws.randrange(1, 64))) for _ in range(200)]
    for data in garbage:
        udp_socket.sendto(data, address)
    # Still serving: a probe sent after all the garbage gets its correct answer.
    probe = ping(0, b"after the garbage")
    udp_socket.sendto(encode(probe), address)
    # Random bytes may, very rarely, form a valid PING that gets its own answer first.
    while udp_socket.recvfrom(65535)[0] != encode(pong_for(probe)):
        pass
    status, stdout, stderr = server.stop()
    assert status == 0
    malformed = sum(1 for data in garbage if _is_malformed(data))
    assert f"{malformed} malformed" in stdout
    assert "Traceback" not in stderr
    assert "further malformed datagrams are counted, not logged" in stderr


def test_crash_variant_dies_on_garbage(server_factory: Start, udp_socket: socket.socket) -> None:
    server = server_factory("--variant", "crash")
    udp_socket.sendto(b"\x01\x01garbage", (server.host, server.port))
    assert server.process.wait(timeout=60) == 1
    assert "crash variant: exiting after a malformed datagram" in server.process.communicate(timeout=60)[1]


def _is_malformed(data: bytes) -> bool:
    try:
        decode(data)
    except MalformedDatagram:
        return True
    return False
