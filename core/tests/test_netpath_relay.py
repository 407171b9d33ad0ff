"""The path relay on real sockets: what it forwards, what it records, and when it ends.

Every test talks through a real relay process to a real UDP server, then reads the
captures back with an independent reader and compares them with what the endpoints
saw and with the relay's own counters.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from netpath_support import Echo, client_socket, deployed, exchange
from panther.netpath.config import PathConfig
from panther.netpath.files import PATH_FOLDER
from panther.netpath.pcap import read_pcap


@pytest.fixture
def echo():
    server = Echo()
    yield server
    server.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_a_perfect_path_forwards_everything_and_records_both_legs(tmp_path, host):
    server = Echo(host)
    payloads = [bytes([index]) * size for index, size in enumerate([0, 1, 7, 1200, 1201, 65000])]
    try:
        with deployed(tmp_path, PathConfig(), server) as path, client_socket(host) as sock:
            relay_address = path.address()
            assert relay_address[0] == host and relay_address[1] != server.port
            assert exchange(sock, relay_address, payloads) == payloads
            client = sock.getsockname()[:2]
            record = path.finish()
            client_leg, server_leg = path.client_leg(), path.server_leg()
    finally:
        server.close()

    assert (tmp_path / PATH_FOLDER / "path.json").is_file()
    # The client's leg: the client and the relay's address, as the client sent and received.
    assert [(d.source, d.destination) for d in client_leg] == [
        pair for _ in payloads for pair in ((client, relay_address), (relay_address, client))
    ]
    # The server's leg: the relay's socket for this flow and the server's real address.
    flow = server.received[0][1]
    assert flow != client and all(address == flow for _, address in server.received)
    assert [(d.source, d.destination) for d in server_leg] == [
        pair for _ in payloads for pair in ((flow, (host, server.port)), ((host, server.port), flow))
    ]
    assert [d.payload for d in client_leg] == [d.payload for d in server_leg] == [p for p in payloads for _ in "ab"]
    for direction in ("to_server", "to_client"):
        counters = record.counters[direction]
        assert (counters.received, counters.forwarded, counters.dropped) == (len(payloads), len(payloads), {})
        assert counters.bytes_forwarded == sum(map(len, payloads))
    assert record.routes[0].relay == relay_address and record.routes[0].target == (host, server.port)
    assert [f.client for f in record.flows] == [client] and record.flows[0].server_side == [flow]


def test_each_client_gets_a_flow_of_its_own(tmp_path, echo):
    with deployed(tmp_path, PathConfig(), echo, clients=("first", "second")) as path:
        assert path.address("first") == path.address("second")  # one route per server
        with client_socket() as first, client_socket() as second:
            for round_ in range(3):
                assert exchange(first, path.address("first"), [b"one %d" % round_]) == [b"one %d" % round_]
                assert exchange(second, path.address("second"), [b"two %d" % round_]) == [b"two %d" % round_]
        record = path.finish()
    sources = {
        data[:3]: {address for payload, address in echo.received if payload[:3] == data[:3]}
        for data in (b"one", b"two")
    }
    assert len(sources[b"one"]) == len(sources[b"two"]) == 1 and sources[b"one"] != sources[b"two"]
    assert len(record.flows) == 2 and record.routes[0].clients == ["first", "second"]


def test_the_captures_decode_with_tshark_and_their_checksums_are_right(tmp_path, echo):
    tshark = _tshark()
    with deployed(tmp_path, PathConfig(), echo) as path, client_socket() as sock:
        exchange(sock, path.address(), [b"odd", b"even", os.urandom(1200)])
        path.finish()
        files = path.relay.files
    for capture in (files.client_pcap, files.server_pcap):
        statuses = subprocess.run(
            [tshark, "-r", str(capture), "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
             "-T", "fields", "-e", "ip.checksum.status", "-e", "udp.checksum.status"],
            capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert statuses == ["1"] * 12  # six packets, each with a good IP and a good UDP checksum


def test_a_path_ended_before_any_client_started_keeps_its_record(tmp_path, echo):
    """A test that ends before its clients (a server not ready, an unsupported case) never
    waits for the relay: it may still be starting when it is told to finish."""
    from panther.netpath.local import LocalRelay
    from panther.services.context import ServiceContext

    contexts = {
        "server": ServiceContext("server", "server", "t", tmp_path, tmp_path, "127.0.0.1", echo.port),
        "client": ServiceContext("client", "client", "t", tmp_path, tmp_path, "127.0.0.1", echo.port, "server"),
    }
    relay = LocalRelay.deploy(PathConfig(), contexts, tmp_path, host="127.0.0.1")
    try:
        checks = relay.finish()
    finally:
        relay.stop()
    assert [check.status for check in checks] == ["passed"], checks
    assert (tmp_path / PATH_FOLDER / "path.json").is_file()


def test_the_relay_ends_when_the_harness_dies(tmp_path, echo):
    """The harness is killed with SIGKILL: nothing of it runs, yet the relay must end."""
    program = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from panther.netpath.config import PathConfig
        from panther.netpath.local import LocalRelay
        from panther.services.context import ServiceContext
        folder = Path({str(tmp_path)!r})
        contexts = {{
            "server": ServiceContext("server", "server", "t", folder, folder, "127.0.0.1", {echo.port}),
            "client": ServiceContext("client", "client", "t", folder, folder, "127.0.0.1", {echo.port}, "server"),
        }}
        relay = LocalRelay.deploy(PathConfig(), contexts, folder, host="127.0.0.1")
        relay.wait_started()
        print(relay.process.pid, flush=True)
        time.sleep(60)
        """
    )
    harness = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    relay_pid = int(harness.stdout.readline())
    assert _alive(relay_pid)
    harness.send_signal(signal.SIGKILL)
    harness.wait()
    deadline = time.monotonic() + 10
    while _alive(relay_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(relay_pid), "the relay outlived the harness"
    # It ended cleanly: its record and captures are whole.
    assert (tmp_path / PATH_FOLDER / "path.json").is_file()
    assert list(read_pcap(tmp_path / PATH_FOLDER / "client.pcap")) == []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _tshark() -> str:
    import shutil

    from panther.testing import require_peer

    path = shutil.which("tshark")
    require_peer("tshark", path is not None, "install Debian's tshark package")
    assert path is not None
    return path
