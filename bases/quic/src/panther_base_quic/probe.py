"""Readiness of a QUIC server: provoke a Version Negotiation packet (RFC 9000 section 6).

A server that receives a long-header packet of at least 1200 bytes with a version it
does not support answers with a Version Negotiation packet (version 0) that swaps
the connection IDs it was sent (section 17.2.1). Versions of the form 0x?a?a?a?a are
reserved (section 15) and never supported, so this works against every server
without completing, or even starting, a handshake. Only that exact answer counts:
a stray datagram, an echo of our own packet or garbage is not readiness.
"""

from __future__ import annotations

import os
import struct

from panther.services.readiness import UdpProbe

# Clients must pad Initial packets to 1200 bytes; servers ignore shorter ones.
INITIAL_DATAGRAM_SIZE = 1200
_CONNECTION_ID_LENGTH = 8


def reserved_version() -> int:
    """A random version of the reserved form 0x?a?a?a?a."""
    high_nibbles = os.urandom(4)
    return int.from_bytes(bytes((b & 0xF0) | 0x0A for b in high_nibbles), "big")


def build_probe_packet(destination_cid: bytes, source_cid: bytes, version: int) -> bytes:
    """A long-header packet for ``version`` laid out like a v1 Initial, 1200 bytes long.

    A server cannot interpret the version, but some (aioquic) still parse the
    Initial layout before answering: an empty token and a Length field that
    matches the rest of the datagram keep them from discarding it as malformed.
    """
    # Header form 1, fixed bit 1, type Initial (00), packet number length 1.
    header = (
        bytes([0xC0])
        + struct.pack("!I", version)
        + bytes([len(destination_cid)])
        + destination_cid
        + bytes([len(source_cid)])
        + source_cid
        + b"\x00"  # token length 0
    )
    remaining = INITIAL_DATAGRAM_SIZE - len(header) - 2
    # Length as a 2-byte variable-length integer (RFC 9000 section 16).
    return header + struct.pack("!H", 0x4000 | remaining) + os.urandom(remaining)


def is_version_negotiation_for(data: bytes, destination_cid: bytes, source_cid: bytes) -> bool:
    """True when ``data`` is a Version Negotiation answering our packet.

    It must carry version 0, our source CID as its destination and our destination
    CID as its source, and a non-empty list of 4-byte versions.
    """
    if len(data) < 7 or not data[0] & 0x80:
        return False
    if struct.unpack_from("!I", data, 1)[0] != 0:
        return False
    offset = 5
    dcid_length = data[offset]
    dcid = data[offset + 1 : offset + 1 + dcid_length]
    offset += 1 + dcid_length
    if len(dcid) != dcid_length or offset >= len(data):
        return False
    scid_length = data[offset]
    scid = data[offset + 1 : offset + 1 + scid_length]
    offset += 1 + scid_length
    if len(scid) != scid_length:
        return False
    versions = data[offset:]
    return dcid == source_cid and scid == destination_cid and len(versions) >= 4 and len(versions) % 4 == 0


class _VersionNegotiationExchange:
    """Fresh connection IDs per attempt, remembered to check the answer against."""

    def __init__(self) -> None:
        self.destination_cid = b""
        self.source_cid = b""

    def payload(self) -> bytes:
        self.destination_cid = os.urandom(_CONNECTION_ID_LENGTH)
        self.source_cid = os.urandom(_CONNECTION_ID_LENGTH)
        return build_probe_packet(self.destination_cid, self.source_cid, reserved_version())

    def accept(self, data: bytes) -> bool:
        return is_version_negotiation_for(data, self.destination_cid, self.source_cid)


def version_negotiation_probe(host: str, port: int) -> UdpProbe:
    """A probe that is ready once the QUIC server at ``host:port`` negotiates versions."""
    exchange = _VersionNegotiationExchange()
    return UdpProbe(
        host,
        port,
        payload=exchange.payload,
        accept=exchange.accept,
        description="QUIC version negotiation",
    )
