"""Captures of the path: classic libpcap files of raw IP packets (LINKTYPE_RAW).

Each record is an IPv4 or IPv6 header, a UDP header and the datagram, with the real
addresses and ports of the leg it was seen on and correct checksums, so that any
reader (tshark, Wireshark, scapy) decodes it as if the kernel had captured it, and no
root is needed to make it. The writer is on the relay's hot path: it packs every
record into one preallocated buffer and writes the buffer in large blocks.

:func:`read_pcap` reads such a file back (for the tests and for checks that only
count datagrams; decrypting QUIC is tshark's job).
"""

from __future__ import annotations

import ipaddress
import queue
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

LINKTYPE_RAW = 101
_MAGIC_MICROSECONDS = 0xA1B2C3D4
SNAPLEN = 262144
_GLOBAL_HEADER = struct.Struct("<IHHiIII")
_RECORD_HEADER = struct.Struct("<IIII")
# IPv4 (version/IHL, TOS, length, id, flags+fragment, TTL, protocol, checksum, source,
# destination) then UDP (ports, length, checksum); IPv6 (version/class/label, payload
# length, next header, hop limit, source, destination) then UDP.
_IPV4_UDP = struct.Struct("!BBHHHBBH4s4sHHHH")
_IPV6_UDP = struct.Struct("!IHBB16s16sHHHH")
_UDP = 17
_TTL = 64
_DONT_FRAGMENT = 0x4000
IPV4_OVERHEAD = _IPV4_UDP.size  # 28
IPV6_OVERHEAD = _IPV6_UDP.size  # 48

Address = tuple[str, int]


def word_sum(data: bytes | memoryview) -> int:
    """The 16-bit one's-complement sum of ``data`` modulo 0xFFFF (2**16 is 1 modulo 0xFFFF).

    The costliest part of a record: a relay that records one payload on both legs
    computes it once and passes it to :meth:`PcapWriter.record`.
    """
    value = int.from_bytes(data, "big")
    return (value << 8 if len(data) % 2 else value) % 0xFFFF


class Leg:
    """The fixed part of the records between two endpoints: addresses, ports, checksum sums."""

    __slots__ = ("family", "source", "destination", "_source", "_destination", "_sport", "_dport", "_udp", "_ip")

    def __init__(self, source: Address, destination: Address) -> None:
        self.source, self.destination = source, destination
        src, dst = ipaddress.ip_address(source[0]), ipaddress.ip_address(destination[0])
        if src.version != dst.version:
            raise ValueError(f"a leg joins two addresses of one family, got {source[0]} and {destination[0]}")
        self.family = src.version
        self._source, self._destination = src.packed, dst.packed
        self._sport, self._dport = source[1], destination[1]
        addresses = word_sum(self._source + self._destination)
        # Pseudo-header (addresses, protocol) and the UDP ports; the lengths are added per record.
        self._udp = addresses + _UDP + self._sport + self._dport
        # IPv4 header words that never change: version/IHL/TOS, flags, TTL/protocol, addresses.
        self._ip = 0x4500 + _DONT_FRAGMENT + ((_TTL << 8) | _UDP) + addresses

    def pack_into(self, buffer: bytearray, offset: int, payload: bytes | memoryview, payload_sum: int) -> int:
        """Write the IP and UDP headers for ``payload`` (whose :func:`word_sum` is
        ``payload_sum``) at ``offset``; returns their size."""
        udp_length = len(payload) + 8
        total = (self._udp + 2 * udp_length + payload_sum) % 0xFFFF
        checksum = 0xFFFF - (total or 0xFFFF)
        checksum = checksum or 0xFFFF  # 0 would mean "no checksum"
        if self.family == 4:
            ip_length = udp_length + 20
            header_checksum = 0xFFFF - (((self._ip + ip_length) % 0xFFFF) or 0xFFFF)
            _IPV4_UDP.pack_into(
                buffer, offset, 0x45, 0, ip_length, 0, _DONT_FRAGMENT, _TTL, _UDP, header_checksum,
                self._source, self._destination, self._sport, self._dport, udp_length, checksum,
            )  # fmt: skip
            return IPV4_OVERHEAD
        _IPV6_UDP.pack_into(
            buffer, offset, 0x60000000, udp_length, _UDP, _TTL,
            self._source, self._destination, self._sport, self._dport, udp_length, checksum,
        )  # fmt: skip
        return IPV6_OVERHEAD


class PcapWriter:
    """Appends records to a pcap file.

    Records are packed into a buffer; a full buffer goes to a thread of its own that
    writes it (the write does not hold the GIL), while the relay fills the next one.
    Writing a capture costs a copy into the page cache of every byte, which on a busy
    host is as dear as forwarding the datagram: it must not stall the relay.
    """

    def __init__(self, path: Path, buffer_size: int = 1 << 20, buffers: int = 4) -> None:
        self.path = path
        self._file: BinaryIO = open(path, "wb", buffering=0)  # noqa: SIM115 - closed by close()
        self._file.write(_GLOBAL_HEADER.pack(_MAGIC_MICROSECONDS, 2, 4, 0, 0, SNAPLEN, LINKTYPE_RAW))
        # A record never exceeds this: flush before writing when less room is left.
        self._room = buffer_size - (_RECORD_HEADER.size + IPV6_OVERHEAD + 65536)
        if self._room <= 0:
            raise ValueError("the capture buffer must hold at least one largest record")
        self._free: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        for _ in range(buffers - 1):
            self._free.put(bytearray(buffer_size))
        self._full: queue.SimpleQueue[tuple[bytearray, int] | None] = queue.SimpleQueue()
        self._buffer = bytearray(buffer_size)
        self._position = 0
        self.records = 0
        #: The first error writing the file (the records after it are lost).
        self.error: OSError | None = None
        self._writer = threading.Thread(target=self._write_buffers, name=f"pcap {path.name}", daemon=True)
        self._writer.start()

    def record(self, timestamp: float, leg: Leg, payload: bytes | memoryview, payload_sum: int = -1) -> None:
        """One datagram seen at ``timestamp`` (seconds since the epoch) on ``leg``;
        ``payload_sum``: its :func:`word_sum`, when the caller has it already."""
        if self._position > self._room:
            self.flush()
        buffer, position = self._buffer, self._position
        start = position + _RECORD_HEADER.size
        header = leg.pack_into(buffer, start, payload, payload_sum if payload_sum >= 0 else word_sum(payload))
        end = start + header + len(payload)
        buffer[start + header : end] = payload
        seconds = int(timestamp)
        micros = round((timestamp - seconds) * 1e6)
        if micros == 1_000_000:
            seconds, micros = seconds + 1, 0
        length = end - start
        _RECORD_HEADER.pack_into(buffer, position, seconds, micros, length, length)
        self._position = end
        self.records += 1

    def flush(self) -> None:
        """Hand what is buffered to the writing thread (waits when every buffer is in flight)."""
        if self._position:
            self._full.put((self._buffer, self._position))
            self._buffer = self._free.get()
            self._position = 0

    def close(self) -> None:
        """Write everything and close the file; raises the first write error, if any."""
        if self._file.closed:
            return
        self.flush()
        self._full.put(None)
        self._writer.join()
        self._file.close()
        if self.error is not None:
            raise self.error

    def _write_buffers(self) -> None:
        while (item := self._full.get()) is not None:
            buffer, size = item
            if self.error is None:
                try:
                    self._file.write(memoryview(buffer)[:size])
                except OSError as exc:
                    self.error = exc
            self._free.put(buffer)


@dataclass(frozen=True)
class CapturedDatagram:
    """One record of a capture: when, between which endpoints, and the UDP payload."""

    time: float
    source: Address
    destination: Address
    payload: bytes
    udp_checksum: int


def read_pcap(path: Path) -> Iterator[CapturedDatagram]:
    """The UDP datagrams of a LINKTYPE_RAW capture, in file order."""
    data = Path(path).read_bytes()
    if len(data) < _GLOBAL_HEADER.size:
        raise ValueError(f"{path}: not a pcap file (too short)")
    magic, _, _, _, _, _, linktype = _GLOBAL_HEADER.unpack_from(data)
    if magic != _MAGIC_MICROSECONDS or linktype != LINKTYPE_RAW:
        raise ValueError(f"{path}: not a microsecond LINKTYPE_RAW pcap (magic {magic:#x}, link type {linktype})")
    offset = _GLOBAL_HEADER.size
    while offset + _RECORD_HEADER.size <= len(data):
        seconds, micros, length, _ = _RECORD_HEADER.unpack_from(data, offset)
        offset += _RECORD_HEADER.size
        packet = data[offset : offset + length]
        offset += length
        if len(packet) < length:
            return  # a capture cut short by a killed writer: what is complete is kept
        yield _datagram(seconds + micros / 1e6, packet)


def _datagram(timestamp: float, packet: bytes) -> CapturedDatagram:
    if packet[0] >> 4 == 4:
        fields = _IPV4_UDP.unpack_from(packet)
        source, destination, sport, dport, _, checksum = fields[8:14]
        payload = packet[IPV4_OVERHEAD:]
    else:
        fields = _IPV6_UDP.unpack_from(packet)
        source, destination, sport, dport, _, checksum = fields[4:10]
        payload = packet[IPV6_OVERHEAD:]
    return CapturedDatagram(
        time=timestamp,
        source=(str(ipaddress.ip_address(source)), sport),
        destination=(str(ipaddress.ip_address(destination)), dport),
        payload=payload,
        udp_checksum=checksum,
    )
