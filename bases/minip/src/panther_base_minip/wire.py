"""The MINIP wire format: encoding, decoding and validation of one datagram.

This module is the executable form of the specification in the package README;
implementations and testers of MINIP import it instead of re-deriving the layout.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

PING = 0x01
PONG = 0x02
VERSION = 0x01
HEADER_SIZE = 16
MAX_PAYLOAD = 1200
DEFAULT_PORT = 4443
PROBE_SEQUENCE = 0
"""Sequence number reserved for readiness probes; clients number their PINGs from 1."""

_HEADER = struct.Struct("!BBIQH")
_TYPE_NAMES = {PING: "PING", PONG: "PONG"}
_MAX_SEQUENCE = 0xFFFFFFFF
_MAX_TIMESTAMP = 0xFFFFFFFFFFFFFFFF


class MalformedDatagram(ValueError):
    """A byte string that is not a valid MINIP datagram; the message says why."""


@dataclass(frozen=True)
class Datagram:
    """One MINIP datagram (a PING or a PONG)."""

    type: int
    sequence: int
    timestamp_ns: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if self.type not in _TYPE_NAMES:
            raise ValueError(f"MINIP type must be 0x01 (PING) or 0x02 (PONG), got {self.type:#04x}")
        if not 0 <= self.sequence <= _MAX_SEQUENCE:
            raise ValueError(f"MINIP sequence must fit in uint32, got {self.sequence}")
        if not 0 <= self.timestamp_ns <= _MAX_TIMESTAMP:
            raise ValueError(f"MINIP timestamp must fit in uint64, got {self.timestamp_ns}")
        if len(self.payload) > MAX_PAYLOAD:
            raise ValueError(f"MINIP payload is {len(self.payload)} bytes, at most {MAX_PAYLOAD} allowed")

    @property
    def type_name(self) -> str:
        """``"PING"`` or ``"PONG"``."""
        return _TYPE_NAMES[self.type]


def encode(datagram: Datagram) -> bytes:
    """The bytes of ``datagram`` on the wire (exactly ``HEADER_SIZE + len(payload)``)."""
    header = _HEADER.pack(datagram.type, VERSION, datagram.sequence, datagram.timestamp_ns, len(datagram.payload))
    return header + datagram.payload


def decode(data: bytes) -> Datagram:
    """Parse one datagram, raising :class:`MalformedDatagram` with the precise reason."""
    if len(data) < HEADER_SIZE:
        raise MalformedDatagram(f"datagram is {len(data)} bytes, shorter than the {HEADER_SIZE}-byte header")
    kind, version, sequence, timestamp_ns, length = _HEADER.unpack_from(data)
    if kind not in _TYPE_NAMES:
        raise MalformedDatagram(f"unknown type {kind:#04x} (expected 0x01 PING or 0x02 PONG)")
    if version != VERSION:
        raise MalformedDatagram(f"unsupported version {version:#04x} (expected {VERSION:#04x})")
    if length > MAX_PAYLOAD:
        raise MalformedDatagram(f"payload length {length} exceeds the maximum of {MAX_PAYLOAD}")
    if len(data) != HEADER_SIZE + length:
        raise MalformedDatagram(
            f"datagram is {len(data)} bytes but its header announces {HEADER_SIZE + length} "
            f"({HEADER_SIZE} header + {length} payload)"
        )
    return Datagram(kind, sequence, timestamp_ns, bytes(data[HEADER_SIZE:]))


def ping(seq: int, payload: bytes = b"", timestamp_ns: int | None = None) -> Datagram:
    """A PING numbered ``seq``, stamped with the current clock unless ``timestamp_ns`` is given."""
    stamp = time.time_ns() if timestamp_ns is None else timestamp_ns
    return Datagram(PING, seq, stamp, payload)


def pong_for(request: Datagram) -> Datagram:
    """The PONG answering ``request``: same sequence, timestamp and payload."""
    if request.type != PING:
        raise ValueError(f"a PONG answers a PING, not a {request.type_name}")
    return Datagram(PONG, request.sequence, request.timestamp_ns, request.payload)
