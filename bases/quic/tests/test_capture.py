"""Reading captures with tshark: the per-packet alignment of coalesced datagrams, and a real tshark run."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest
from panther.testing import require_peer
from panther_base_quic import capture as capture_module
from panther_base_quic.capture import (
    FIELDS,
    CaptureError,
    WarmTshark,
    combined_keylog,
    parse_fields,
    read_capture,
    tshark_argv,
)
from panther_base_quic.capture_slice import slice_capture
from panther_base_quic.probe import build_probe_packet

# Lines tshark 4.0 printed for FIELDS while reading real captures of aioquic endpoints.
TOKEN = (
    "670064c98abd4733c604abb9760190fbca75479094aeb7f84a9a7e16b60f4945"
    "fe59d14cf6614a29dda6ac078e4db976293479c906719ea0187101feb6"
)
RETRY_EXCHANGE = "\n".join(
    [
        "1\t0.000000000\t127.0.0.1\t\t35294\t127.0.0.1\t\t24451\t1208\t0\t1\t0\t\t0x00000001\tdcaae2453d0481cd\t"
        "913230d32faf28c0\t0\t\t\t\t6\t\t\t1\t0x1302,0x1301,0x1303\t51,43,13,10,45,16,57\thq-interop\t128",
        "2\t0.006429000\t127.0.0.1\t\t24451\t127.0.0.1\t\t35294\t108\t0\t1\t3\t\t0x00000001\t913230d32faf28c0\t"
        f"c377857550a110d3\t\t\t{TOKEN}\t\t\t\t\t\t\t\t\t",
        "3\t0.012421000\t127.0.0.1\t\t35294\t127.0.0.1\t\t24451\t1208\t0\t1\t0\t\t0x00000001\tc377857550a110d3\t"
        f"913230d32faf28c0\t61\t{TOKEN}\t\t\t6\t\t\t\t\t\t\t",
        "4\t0.042602000\t127.0.0.1\t\t24451\t127.0.0.1\t\t35294\t1208\t0\t1,1\t0,2\t\t0x00000001,0x00000001\t"
        "913230d32faf28c0,913230d32faf28c0\tefb0ccefb97aaad3,efb0ccefb97aaad3\t0\t\t\t\t2,6\t\t1\t2\t0x1302\t43,51\t\t",
        # Initial, Handshake and a 1-RTT packet in one datagram: dcid for all three,
        # scid only for the two long ones.
        "5\t0.055454000\t127.0.0.1\t\t35294\t127.0.0.1\t\t24451\t1208\t0\t1,1,0\t0,2\t\t0x00000001,0x00000001\t"
        "efb0ccefb97aaad3,efb0ccefb97aaad3,efb0ccefb97aaad3\t913230d32faf28c0,913230d32faf28c0\t61\t"
        f"{TOKEN}\t\t\t2\t\t1,1\t\t\t\t\t",
    ]
)
V2_SERVER_FLIGHT = (
    "2\t0.035826000\t127.0.0.1\t\t24454\t127.0.0.1\t\t48054\t1208\t0\t1,1\t\t1,3\t0x6b3343cf,0x6b3343cf\t"
    "2121bd83cc30aae2,2121bd83cc30aae2\t68b7ec33386c7ea4,68b7ec33386c7ea4\t0\t\t\t\t2,6,6\t\t\t2,8,11,15,20\t0x1302\t"
    "43,51,16,57\thq-interop\t128"
)
ZERO_RTT = (
    "1036\t0.624138000\t127.0.0.1\t\t36101\t127.0.0.1\t\t24453\t1208\t1\t1,1\t0,1\t\t0x00000001,0x00000001\t"
    "474b940f14e1bd77,474b940f14e1bd77\t9da0aa560f051313,9da0aa560f051313\t0\t\t\t\t6,11,11\t24,27\t\t1\t"
    "0x1302,0x1301,0x1303\t51,43,13,10,45,16,57,42,41\thq-interop\t128"
)
ONE_RTT_PHASE_ONE = (
    "51\t0.107348000\t127.0.0.1\t\t24443\t127.0.0.1\t\t58820\t1208\t0\t0\t\t\t\t"
    "c667fed301bf7260\t\t\t\t\t1\t14\t1165\t\t\t\t\t\t"
)


def test_coalesced_packets_are_aligned_one_by_one() -> None:
    datagrams = list(parse_fields(RETRY_EXCHANGE))
    assert [[p.kind for p in d.long_packets] for d in datagrams] == [
        ["initial"],
        ["retry"],
        ["initial"],
        ["initial", "handshake"],
        ["initial", "handshake"],
    ]
    retry, second_initial, last = datagrams[1], datagrams[2], datagrams[4]
    assert retry.long_packets[0].retry_token == TOKEN
    assert second_initial.long_packets[0].token == TOKEN
    assert (last.long_packets[1].scid, last.short_packets, last.key_phases) == ("913230d32faf28c0", 1, [])
    assert last.decryption_failed and not datagrams[3].carries_stream_data


def test_who_sent_what_follows_the_first_initial() -> None:
    from panther_base_quic.capture import Capture

    datagrams = list(parse_fields(RETRY_EXCHANGE))
    capture = Capture(path=Path("server.pcap"), keylog=None, datagrams=datagrams, server="127.0.0.1:24451")
    assert [d.number for d in capture.sent_by_server()] == [2, 4]
    assert capture.connections() == [0]


def test_v2_packet_types_zero_rtt_frames_and_key_phases() -> None:
    (v2,) = parse_fields(V2_SERVER_FLIGHT)
    assert [(p.kind, p.version) for p in v2.long_packets] == [("initial", 0x6B3343CF), ("handshake", 0x6B3343CF)]
    assert (v2.handshake_messages, v2.cipher_suites, v2.alpns, v2.max_streams_bidi) == (
        [2, 8, 11, 15, 20],
        [0x1302],
        ["hq-interop"],
        [128],
    )
    (early,) = parse_fields(ZERO_RTT)
    assert [p.kind for p in early.long_packets] == ["initial", "0rtt"]
    assert early.carries_stream_data and early.stream_bytes == 51 and early.connection == 1
    (short,) = parse_fields(ONE_RTT_PHASE_ONE)
    assert (short.long_packets, short.short_packets, short.key_phases, short.stream_bytes) == ([], 1, [1], 1165)


def test_one_tshark_run_asks_for_the_fields_and_the_key_log(tmp_path: Path) -> None:
    argv = tshark_argv(tmp_path / "server.pcap", tmp_path / "keys.log")
    assert argv[argv.index("-o") + 1] == f"tls.keylog_file:{tmp_path / 'keys.log'}"
    assert [argv[i + 1] for i, item in enumerate(argv) if item == "-e"] == list(FIELDS)
    assert "-o" not in tshark_argv(tmp_path / "server.pcap", None)


def test_key_logs_are_joined_without_repeating_lines(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("CLIENT_RANDOM x y\nSERVER_TRAFFIC_SECRET_0 a b\n")
    (tmp_path / "b").write_text("SERVER_TRAFFIC_SECRET_0 a b\nCLIENT_TRAFFIC_SECRET_0 c d\n")
    joined = combined_keylog([tmp_path / "a", tmp_path / "b", tmp_path / "missing"], tmp_path / "out" / "keys.log")
    assert joined is not None and joined.read_text().splitlines() == [
        "CLIENT_RANDOM x y",
        "SERVER_TRAFFIC_SECRET_0 a b",
        "CLIENT_TRAFFIC_SECRET_0 c d",
    ]
    assert combined_keylog([tmp_path / "missing"], tmp_path / "none.log") is None


def _pcap(path: Path, datagrams: list[tuple[tuple[str, int], tuple[str, int], bytes]]) -> Path:
    """A libpcap file (LINKTYPE_RAW) of IPv4/UDP datagrams, as a path relay writes them."""
    records = b""
    for number, (source, destination, payload) in enumerate(datagrams):
        udp = struct.pack("!HHHH", source[1], destination[1], 8 + len(payload), 0) + payload
        addresses = bytes(map(int, source[0].split("."))) + bytes(map(int, destination[0].split(".")))
        ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0) + addresses + udp
        records += struct.pack("<IIII", 1, number * 1000, len(ip), len(ip)) + ip
    path.write_bytes(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101) + records)
    return path


def test_tshark_reads_a_probe_and_its_version_negotiation(tmp_path: Path) -> None:
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark")
    dcid, scid = os.urandom(8), os.urandom(8)
    probe = build_probe_packet(dcid, scid, 0x1A2A3A4A)
    negotiation = (
        bytes([0x80]) + b"\0\0\0\0" + bytes([8]) + scid + bytes([8]) + dcid + struct.pack("!II", 1, 0x6B3343CF)
    )
    client, server = ("10.0.0.1", 50000), ("10.0.0.2", 4433)
    capture = read_capture(_pcap(tmp_path / "server.pcap", [(client, server, probe), (server, client, negotiation)]))
    assert [[p.kind for p in d.long_packets] for d in capture.datagrams] == [["unknown"], ["version_negotiation"]]
    assert capture.datagrams[0].destination == "10.0.0.2:4433" and capture.datagrams[1].size == 8 + len(negotiation)
    # A probe in an unknown version is no Initial: nobody sent a first Initial here.
    assert capture.server is None and capture.connections() == []


def test_a_missing_capture_or_tshark_is_a_capture_error(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="not found: install Wireshark's tshark"):
        read_capture(tmp_path / "server.pcap", tshark="no-such-tshark")
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark")
    with pytest.raises(CaptureError, match="no capture at"):
        read_capture(tmp_path / "server.pcap")
    (tmp_path / "broken.pcap").write_bytes(b"not a capture")
    with pytest.raises(CaptureError, match="tshark could not read"):
        read_capture(tmp_path / "broken.pcap")


def test_a_capture_larger_than_the_limit_is_not_read(tmp_path: Path) -> None:
    """A flooded path is named, not decoded into the harness's memory."""
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark")
    dcid, scid = os.urandom(8), os.urandom(8)
    client, server = ("10.0.0.1", 50000), ("10.0.0.2", 4433)
    pcap = _pcap(tmp_path / "server.pcap", [(client, server, build_probe_packet(dcid, scid, 0x1A2A3A4A))])
    assert len(read_capture(pcap).datagrams) == 1
    with pytest.raises(CaptureError, match="more than the 0 MiB read as evidence"):
        read_capture(pcap, max_bytes=pcap.stat().st_size - 1)


def test_a_capture_is_cut_to_its_long_header_datagrams_and_timed_whole(tmp_path: Path) -> None:
    client, server = ("10.0.0.1", 50000), ("10.0.0.2", 4433)
    long_header, short_header = b"\xc0" + b"\0" * 1199, b"\x40" + b"\0" * 1199
    datagrams = [
        (client, server, long_header),
        (server, client, long_header),
        (server, client, short_header),
        (client, server, short_header[:40]),
        (server, client, short_header),
    ]
    pcap = _pcap(tmp_path / "server.pcap", datagrams)
    cut = slice_capture(pcap, tmp_path / "none.pcap", "none")
    assert cut is not None and cut.numbers == [1, 2] and cut.ip_versions == {4: 5}
    assert [(s.number, s.source, s.size, s.long_header) for s in cut.timeline][2:4] == [
        (3, "10.0.0.2:4433", 1200, False),
        (4, "10.0.0.1:50000", 40, False),
    ]
    assert cut.timeline[4].time - cut.timeline[0].time == pytest.approx(0.004)
    assert slice_capture(pcap, tmp_path / "tail.pcap", 2).numbers == [1, 2, 4, 5]  # type: ignore[union-attr]
    assert slice_capture(pcap, tmp_path / "all.pcap", "all").numbers == [1, 2, 3, 4, 5]  # type: ignore[union-attr]
    assert len((tmp_path / "none.pcap").read_bytes()) < len(pcap.read_bytes()) // 2
    (tmp_path / "other.pcap").write_bytes(b"\xd4\xc3\xb2\xa1" + b"\0" * 16 + struct.pack("<I", 147))
    assert slice_capture(tmp_path / "other.pcap", tmp_path / "x.pcap", "none") is None  # a link type it cannot cut


def test_datagram_numbers_and_ip_versions_survive_the_cut(tmp_path: Path) -> None:
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark")
    dcid, scid = os.urandom(8), os.urandom(8)
    client, server = ("10.0.0.1", 50000), ("10.0.0.2", 4433)
    filler = [(client, server, b"\x40" + os.urandom(60)) for _ in range(3)]
    probe = build_probe_packet(dcid, scid, 0x1A2A3A4A)
    pcap = _pcap(tmp_path / "server.pcap", [*filler, (client, server, probe)])
    capture = read_capture(pcap, short_headers="none", quic_ports=[4433])
    assert [d.number for d in capture.datagrams] == [4]
    assert capture.ip_versions == {4: 4} and len(capture.timeline) == 4


def _probe_exchange(path: Path) -> Path:
    dcid, scid = os.urandom(8), os.urandom(8)
    negotiation = bytes([0x80]) + b"\0\0\0\0" + bytes([8]) + scid + bytes([8]) + dcid + struct.pack("!I", 1)
    client, server = ("10.0.0.1", 50000), ("10.0.0.2", 4433)
    return _pcap(path, [(client, server, build_probe_packet(dcid, scid, 0x1A2A3A4A)), (server, client, negotiation)])


def test_a_warm_tshark_reads_what_a_tshark_started_for_the_file_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark")
    pcap, keylog = _probe_exchange(tmp_path / "server.pcap"), tmp_path / "keys.log"
    warm = WarmTshark(keylog, quic_ports=[4433])
    # Written after tshark started, as the key log of a test is.
    keylog.write_text("CLIENT_RANDOM 00 00\n")
    cold = read_capture(pcap, keylog, quic_ports=[4433])

    def no_cold_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("tshark was started for the file instead of the warm one being used")

    monkeypatch.setattr(capture_module.subprocess, "run", no_cold_run)
    assert read_capture(pcap, keylog, quic_ports=[4433], warm=warm).datagrams == cold.datagrams
    assert warm.process is None


def test_a_warm_tshark_started_for_another_command_is_ended_unused(tmp_path: Path) -> None:
    require_peer("tshark", shutil.which("tshark") is not None, "install Debian's tshark")
    pcap, keylog = _probe_exchange(tmp_path / "server.pcap"), tmp_path / "keys.log"
    keylog.write_text("CLIENT_RANDOM 00 00\n")
    for warm, ports, keys in (
        (WarmTshark(keylog, quic_ports=[4433]), [4434], keylog),
        (WarmTshark(keylog, quic_ports=[4433]), [4433], None),
        (WarmTshark(tmp_path / "other.log", quic_ports=[4433]), [4433], keylog),
    ):
        process = warm.process
        assert process is not None
        capture = read_capture(pcap, keys, quic_ports=ports, warm=warm)
        assert len(capture.datagrams) == 2 and warm.process is None and process.poll() is not None
    unused = WarmTshark(keylog)
    process = unused.process
    assert process is not None
    with pytest.raises(CaptureError, match="no capture at"):
        read_capture(tmp_path / "missing.pcap", keylog, warm=unused)
    assert unused.process is None and process.poll() is not None
