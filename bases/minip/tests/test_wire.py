"""The MINIP wire format against its specification in the README."""

from __future__ import annotations

import struct

import pytest
from panther_base_minip.wire import (
    HEADER_SIZE,
    MAX_PAYLOAD,
    PING,
    PONG,
    VERSION,
    Datagram,
    MalformedDatagram,
    decode,
    encode,
    ping,
    pong_for,
)


def test_layout_is_big_endian_and_exactly_header_plus_payload() -> None:
    datagram = Datagram(PING, 0x01020304, 0x1122334455667788, b"abc")
    data = encode(datagram)
    assert data == bytes([0x01, 0x01, 1, 2, 3, 4, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0, 3]) + b"abc"
    assert len(data) == HEADER_SIZE + 3


def test_round_trip_and_pong_echoes_the_ping() -> None:
    request = ping(7, b"payload", timestamp_ns=123)
    reply = decode(encode(pong_for(request)))
    assert reply == Datagram(PONG, 7, 123, b"payload")


def test_ping_stamps_the_clock_when_no_timestamp_is_given() -> None:
    assert ping(1).timestamp_ns > 0


def test_a_pong_cannot_answer_a_pong() -> None:
    with pytest.raises(ValueError, match="answers a PING"):
        pong_for(Datagram(PONG, 1, 1))


def test_maximum_payload_is_accepted() -> None:
    assert decode(encode(ping(1, b"x" * MAX_PAYLOAD))).payload == b"x" * MAX_PAYLOAD


def _header(kind: int = PING, version: int = VERSION, length: int = 0) -> bytes:
    return struct.pack("!BBIQH", kind, version, 1, 2, length)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "0 bytes, shorter than the 16-byte header"),
        (_header()[:15], "15 bytes, shorter than the 16-byte header"),
        (_header(kind=0x03), "unknown type 0x03"),
        (_header(version=0x02), "unsupported version 0x02"),
        (_header(length=1201) + b"x" * 1201, "payload length 1201 exceeds the maximum of 1200"),
        (_header(length=4) + b"abc", "datagram is 19 bytes but its header announces 20"),
        (_header(length=2) + b"abc", "datagram is 19 bytes but its header announces 18"),
    ],
)
def test_malformed_datagrams_name_their_fault(data: bytes, reason: str) -> None:
    with pytest.raises(MalformedDatagram, match=reason):
        decode(data)


def test_malformed_is_a_value_error() -> None:
    assert issubclass(MalformedDatagram, ValueError)


@pytest.mark.parametrize(
    "fields",
    [
        {"type": 9, "sequence": 1, "timestamp_ns": 1},
        {"type": PING, "sequence": 2**32, "timestamp_ns": 1},
        {"type": PING, "sequence": 1, "timestamp_ns": -1},
        {"type": PING, "sequence": 1, "timestamp_ns": 1, "payload": b"x" * (MAX_PAYLOAD + 1)},
    ],
)
def test_a_datagram_that_cannot_be_encoded_is_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Datagram(**fields)  # type: ignore[arg-type]
