"""The server process, variant by variant, over real UDP on loopback."""

from __future__ import annotations

import random
import socket
from collections.abc import Callable

import pytest
from panther_base_minip import minip_probe
from panther_base_minip.wire import PONG, MalformedDatagram, decode, encode, ping
from processes import RunningServer, run_module

Start = Callable[..., RunningServer]


def exchange(sock: socket.socket, server: RunningServer, sequence: int, payload: bytes = b"abc") -> bytes:
    request = ping(sequence, payload)
    sock.sendto(encode(request), (server.host, server.port))
    data, _ = sock.recvfrom(65535)
    return data


def test_functional_answers_each_ping_with_its_pong(server_factory: Start, udp_socket: socket.socket) -> None:
    server = server_factory("--variant", "functional")
    for sequence in (1, 2, 0xFFFFFFFF):
        request = ping(sequence, bytes([sequence & 0xFF]) * 5)
        udp_socket.sendto(encode(request), (server.host, server.port))
        answer = decode(udp_socket.recvfrom(65535)[0])
        assert (answer.type, answer.sequence) == (PONG, sequence)
        assert (answer.timestamp_ns, answer.payload) == (request.timestamp_ns, request.payload)
    status, stdout, _ = server.stop()
    assert status == 0
    assert "3 pings and 0 readiness probes received, 3 answers sent" in stdout


def test_fail_answers_with_the_next_sequence_number(server_factory: Start, udp_socket: socket.socket) -> None:
    server = server_factory("--variant", "fail")
    assert decode(exchange(udp_socket, server, 5)).sequence == 6
    # The uint32 field wraps rather than overflowing into an error.
    assert decode(exchange(udp_socket, server, 0xFFFFFFFF)).sequence == 0


def test_flaky_drops_exactly_what_its_seed_decides(server_factory: Start, udp_socket: socket.socket) -> None:
    seed, rate, count = 7, 0.5, 40
    server = server_factory("--variant", "flaky", "--seed", str(seed), "--drop-rate", str(rate))
    draws = random.Random(seed)
    expected = [n for n in range(1, count + 1) if not draws.random() < rate]
    for sequence in range(1, count + 1):
        udp_socket.sendto(encode(ping(sequence)), (server.host, server.port))
    # The server handles datagrams in order, so a final probe answered means every
    # earlier PING has been answered or dropped.
    udp_socket.sendto(encode(ping(0)), (server.host, server.port))
    answered = []
    while (answer := decode(udp_socket.recvfrom(65535)[0])).sequence != 0:
        answered.append(answer.sequence)
    assert answered == expected
    assert 0 < len(expected) < count
    status, stdout, _ = server.stop()
    assert f"{count - len(expected)} pings dropped" in stdout


def test_malformed_sends_truncated_pongs(server_factory: Start, udp_socket: socket.socket) -> None:
    server = server_factory("--variant", "malformed")
    data = exchange(udp_socket, server, 1, payload=b"x" * 20)
    assert len(data) == (16 + 20) // 2
    with pytest.raises(MalformedDatagram):
        decode(data)


def test_crash_exits_after_answering_k_pings(server_factory: Start, udp_socket: socket.socket) -> None:
    server = server_factory("--variant", "crash", "--crash-after", "2")
    assert decode(exchange(udp_socket, server, 1)).sequence == 1
    assert decode(exchange(udp_socket, server, 2)).sequence == 2
    status, stdout, stderr = server.process.wait(timeout=60), *server.process.communicate(timeout=60)
    assert status == 1
    assert "crash variant: exiting after 2 pings" in stderr
    assert "2 pings and 0 readiness probes received, 2 answers sent" in stdout


def test_crash_after_zero_exits_at_the_first_ping(server_factory: Start, udp_socket: socket.socket) -> None:
    server = server_factory("--variant", "crash", "--crash-after", "0")
    udp_socket.sendto(encode(ping(1)), (server.host, server.port))
    assert server.process.wait(timeout=60) == 1


@pytest.mark.parametrize("variant", ["functional", "fail", "flaky", "slow", "crash", "malformed"])
def test_every_variant_answers_readiness_probes(server_factory: Start, variant: str) -> None:
    # flaky at rate 1 drops every client PING: the probe must still get through.
    server = server_factory("--variant", variant, "--drop-rate", "1", "--delay", "30")
    assert minip_probe(server.host, server.port).attempt(timeout=30)
    status, stdout, _ = server.stop()
    assert status == 0
    assert "1 readiness probes received" in stdout


def test_ipv6_loopback(server_factory: Start) -> None:
    if not socket.has_ipv6:
        pytest.skip("this host has no IPv6")
    try:
        server = server_factory(host="::1")
    except AssertionError as exc:
        if "Cannot assign requested address" in str(exc):
            pytest.skip("::1 is not configured on this host")
        raise
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
        sock.settimeout(30)
        assert decode(exchange(sock, server, 3)).sequence == 3


def test_a_port_in_use_is_a_clear_error(udp_socket: socket.socket) -> None:
    taken = udp_socket.getsockname()[1]
    result = run_module("server", "--port", str(taken))
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{taken}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--variant", "wobbly"], "invalid choice: 'wobbly'"),
        (["--port", "70000"], "expected a value >= 0 and <= 65535, got 70000"),
        (["--drop-rate", "1.5"], "expected a value >= 0.0 and <= 1.0, got 1.5"),
        (["--delay", "-1"], "expected a value >= 0.0, got -1"),
        (["--crash-after", "many"], "expected a number, got 'many'"),
    ],
)
def test_usage_errors_exit_2_with_a_message(args: list[str], message: str) -> None:
    result = run_module("server", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
