"""Cutting a capture down to the datagrams a QUIC check reads, before tshark sees it.

tshark's cost grows with every datagram it dissects, and most checks read only the
long-header packets (handshakes, versions, Retry, TLS messages, 0-RTT): a few dozen
datagrams out of thousands in a transfer of megabytes. This module reads a libpcap
file in Python (cheap), keeps every datagram with a long-header packet first, and
of the 1-RTT-only datagrams all of them, none, or the last N; it writes those to a
smaller capture and remembers each kept datagram's number in the original file, so
that a check still names the datagram a person would find there. It also counts
the UDP datagrams of each IP version in the whole file.

Link types understood: raw IP (101, what the path relay writes), Ethernet (1),
Linux cooked (113, 276) and BSD loopback (0). Anything else is not cut.
"""

from __future__ import annotations

import ipaddress
import struct
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ShortHeaders = Literal["all", "none"] | int

_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<",  # microseconds, little-endian
    b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<",  # nanoseconds
    b"\xa1\xb2\x3c\x4d": ">",
}
_UDP = 17


@dataclass(frozen=True)
class Sighting:
    """One UDP datagram of the whole capture, as seen without dissecting it."""

    number: int
    time: float  # seconds, from the capture's clock
    source: str  # address:port
    size: int  # UDP payload bytes
    long_header: bool


@dataclass
class Slice:
    """The datagrams kept, by their number in the original capture (1-based)."""

    numbers: list[int] = field(default_factory=list)
    # UDP datagrams of each IP version in the whole capture.
    ip_versions: Counter[int] = field(default_factory=Counter)
    # Every UDP datagram of the capture, kept or not.
    timeline: list[Sighting] = field(default_factory=list)


def _ip_offset(linktype: int, frame: bytes) -> int | None:
    if linktype == 101:
        return 0
    if linktype == 0:
        return 4
    if linktype == 113:
        return 16
    if linktype == 276:
        return 20
    if linktype == 1:
        offset, ethertype = 14, frame[12:14]
        while ethertype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= offset + 4:
            ethertype, offset = frame[offset + 2 : offset + 4], offset + 4
        return offset
    return None


def _udp(frame: bytes, offset: int) -> tuple[int, str, bytes] | None:
    """(IP version, source address:port, UDP payload) of a UDP datagram; None for anything else."""
    if len(frame) <= offset:
        return None
    version = frame[offset] >> 4
    if version == 4:
        header = (frame[offset] & 0x0F) * 4
        if len(frame) < offset + header + 8 or frame[offset + 9] != _UDP:
            return None
        start = offset + header
        address = ".".join(str(byte) for byte in frame[offset + 12 : offset + 16])
    elif version == 6:
        if len(frame) < offset + 48 or frame[offset + 6] != _UDP:
            return None
        start = offset + 40
        address = f"[{ipaddress.IPv6Address(frame[offset + 8 : offset + 24])}]"
    else:
        return None
    port = struct.unpack_from("!H", frame, start)[0]
    return version, f"{address}:{port}", frame[start + 8 :]


def slice_capture(source: Path, destination: Path, short_headers: ShortHeaders) -> Slice | None:
    """Write the kept datagrams of ``source`` to ``destination``; None when ``source``
    is not a libpcap file this module can cut (read it whole then)."""
    data = source.read_bytes()
    if len(data) < 24 or data[:4] not in _MAGICS:
        return None
    order = _MAGICS[data[:4]]
    linktype = struct.unpack_from(f"{order}I", data, 20)[0] & 0x0FFFFFFF
    if _ip_offset(linktype, b"\0" * 64) is None:
        return None
    fraction = 1e-9 if data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1e-6
    result = Slice()
    records: list[tuple[int, bytes, bool]] = []  # (number, record bytes, long header)
    position, number = 24, 0
    while position + 16 <= len(data):
        seconds, part, captured = struct.unpack_from(f"{order}III", data, position)
        end = position + 16 + captured
        frame = data[position + 16 : end]
        number += 1
        offset = _ip_offset(linktype, frame)
        found = _udp(frame, offset) if offset is not None else None
        if found is not None:
            version, sender, payload = found
            long_header = bool(payload) and payload[0] & 0x80 != 0
            result.ip_versions[version] += 1
            result.timeline.append(Sighting(number, seconds + part * fraction, sender, len(payload), long_header))
            records.append((number, data[position:end], long_header))
        position = end
    short = [record for record in records if not record[2]]
    if short_headers == "all":
        kept_short = {n for n, _, _ in short}
    elif short_headers == "none":
        kept_short = set()
    else:
        kept_short = {n for n, _, _ in short[-int(short_headers) :]} if short_headers else set()
    kept = [(n, record) for n, record, long in records if long or n in kept_short]
    destination.write_bytes(data[:24] + b"".join(record for _, record in kept))
    result.numbers = [n for n, _ in kept]
    return result
