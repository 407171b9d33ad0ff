"""The capture format: what the writer packs is what an independent reader finds."""

from __future__ import annotations

import os
import struct

import pytest
from panther.netpath.pcap import LINKTYPE_RAW, Leg, PcapWriter, read_pcap, word_sum

PAYLOADS = [b"", b"x", b"odd length", os.urandom(1200), os.urandom(1201), b"\xff" * 64]


@pytest.mark.parametrize(
    ("source", "destination"), [(("127.0.0.1", 40000), ("127.0.0.2", 4443)), (("::1", 1), ("::1", 65535))]
)
def test_records_read_back_with_their_addresses_times_and_payloads(tmp_path, source, destination):
    writer = PcapWriter(tmp_path / "c.pcap", buffer_size=1 << 17)  # small: several buffers get written
    for index in range(60):
        writer.record(1_700_000_000 + index * 0.001001, Leg(source, destination), PAYLOADS[index % len(PAYLOADS)])
    writer.close()
    records = list(read_pcap(tmp_path / "c.pcap"))
    assert [r.payload for r in records] == [PAYLOADS[index % len(PAYLOADS)] for index in range(60)]
    assert {(r.source, r.destination) for r in records} == {(source, destination)}
    assert [round(r.time, 6) for r in records] == [round(1_700_000_000 + i * 0.001001, 6) for i in range(60)]
    header = (tmp_path / "c.pcap").read_bytes()[:24]
    assert struct.unpack("<IHHiIII", header)[0] == 0xA1B2C3D4 and struct.unpack("<IHHiIII", header)[6] == LINKTYPE_RAW


def test_the_udp_checksum_verifies(tmp_path):
    """One's-complement sum over the pseudo-header, the UDP header and the payload is 0xFFFF."""
    writer = PcapWriter(tmp_path / "c.pcap")
    for payload in PAYLOADS:
        writer.record(1.0, Leg(("127.0.0.1", 1234), ("127.0.0.9", 80)), payload)
    writer.close()
    raw = (tmp_path / "c.pcap").read_bytes()[24:]
    while raw:
        length = struct.unpack_from("<I", raw, 8)[0]
        packet, raw = raw[16 : 16 + length], raw[16 + length :]
        udp = packet[20:]
        pseudo = packet[12:20] + struct.pack("!BBH", 0, 17, len(udp))
        total = word_sum(pseudo + udp) % 0xFFFF
        assert total == 0  # 0xFFFF, the all-ones sum, is 0 modulo 0xFFFF
        assert word_sum(packet[:20]) % 0xFFFF == 0  # the IPv4 header checksum too


def test_a_capture_cut_short_keeps_its_whole_records(tmp_path):
    writer = PcapWriter(tmp_path / "c.pcap")
    for payload in PAYLOADS:
        writer.record(1.0, Leg(("127.0.0.1", 1), ("127.0.0.1", 2)), payload)
    writer.close()
    data = (tmp_path / "c.pcap").read_bytes()
    (tmp_path / "cut.pcap").write_bytes(data[:-5])
    assert len(list(read_pcap(tmp_path / "cut.pcap"))) == len(PAYLOADS) - 1
