"""Helpers of the path tests: a relay deployed the way the local environment deploys it,
real UDP endpoints on either side, and the captures read back independently."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from panther.netpath.config import PathConfig
from panther.netpath.local import LocalRelay
from panther.netpath.pcap import CapturedDatagram, read_pcap
from panther.netpath.record import PathRecord, read_path_record
from panther.services.context import ServiceContext


class Echo:
    """A UDP server on ``host`` answering every datagram with ``answer(data)`` (None: silence)."""

    def __init__(self, host: str = "127.0.0.1", answer: Callable[[bytes], bytes | None] = lambda data: data) -> None:
        self.socket = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((host, 0))
        self.socket.settimeout(0.05)
        self.host, self.port = host, self.socket.getsockname()[1]
        self.received: list[tuple[bytes, tuple[str, int]]] = []
        self._answer = answer
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, address = self.socket.recvfrom(65535)
            except TimeoutError:
                continue
            self.received.append((data, (address[0], address[1])))
            reply = self._answer(data)
            if reply is not None:
                self.socket.sendto(reply, address)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()


@dataclass
class Deployed:
    relay: LocalRelay
    contexts: dict[str, ServiceContext]

    def address(self, client: str = "client") -> tuple[str, int]:
        return self.contexts[client].host, self.contexts[client].port

    def finish(self) -> PathRecord:
        checks = self.relay.finish()
        assert checks and checks[0].name == "network path", checks
        return read_path_record(self.relay.files.path_json)

    def client_leg(self) -> list[CapturedDatagram]:
        return list(read_pcap(self.relay.files.client_pcap))

    def server_leg(self) -> list[CapturedDatagram]:
        return list(read_pcap(self.relay.files.server_pcap))


@contextmanager
def deployed(
    tmp_path: Path, path: PathConfig, server: Echo, clients: tuple[str, ...] = ("client",)
) -> Iterator[Deployed]:
    """A relay between ``clients`` and ``server``, deployed as the local environment does."""
    contexts = {"server": ServiceContext("server", "server", "t", tmp_path, tmp_path, server.host, server.port)}
    for name in clients:
        contexts[name] = ServiceContext(
            name, "client", "t", tmp_path, tmp_path, server.host, server.port, target="server"
        )
    relay = LocalRelay.deploy(path, contexts, tmp_path, host=server.host)
    try:
        relay.wait_started()  # as the environment does before it starts a client
        yield Deployed(relay, contexts)
    finally:
        relay.stop()


def client_socket(host: str = "127.0.0.1", timeout: float = 2.0) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.settimeout(timeout)
    return sock


def exchange(sock: socket.socket, address: tuple[str, int], payloads: list[bytes]) -> list[bytes]:
    """Send each payload and wait for its answer (None-free: a lost answer raises TimeoutError)."""
    answers = []
    for payload in payloads:
        sock.sendto(payload, address)
        answers.append(sock.recv(65535))
    return answers


def drain(sock: socket.socket, quiet: float = 0.3) -> list[bytes]:
    """Everything that arrives until ``quiet`` seconds pass with nothing."""
    sock.settimeout(quiet)
    received = []
    while True:
        try:
            received.append(sock.recv(65535))
        except TimeoutError:
            return received


def numbered(index: int, size: int = 64) -> bytes:
    """A payload that says which datagram it is (its first four bytes) and is ``size`` long."""
    return index.to_bytes(4, "big") + bytes((index + k) & 0xFF for k in range(size - 4))


@dataclass
class Traffic:
    """What one client sent through a path and what came back, with the path's records."""

    sent: list[bytes]
    answers: list[bytes]
    record: PathRecord
    client_leg: list[CapturedDatagram]
    server_leg: list[CapturedDatagram]
    server: Echo
    relay_address: tuple[str, int]
    target: tuple[str, int]

    def near_and_far(self, direction: str) -> tuple[list[CapturedDatagram], list[CapturedDatagram]]:
        """The datagrams of ``direction`` where they entered the path and where they left it."""
        if direction == "to_server":
            return (
                [d for d in self.client_leg if d.destination == self.relay_address],
                [d for d in self.server_leg if d.destination == self.target],
            )
        return (
            [d for d in self.server_leg if d.source == self.target],
            [d for d in self.client_leg if d.source == self.relay_address],
        )


def send_through(
    tmp_path: Path,
    path: PathConfig,
    count: int,
    *,
    spacing: float = 0.002,
    size: int = 64,
    host: str = "127.0.0.1",
    answer: Callable[[bytes], bytes | None] = lambda data: data,
    linger: float = 0.3,
) -> Traffic:
    """``count`` numbered datagrams from one client, ``spacing`` seconds apart, through ``path``
    to an echo server; everything that comes back is collected until ``linger`` of quiet."""
    server = Echo(host, answer)
    try:
        with deployed(tmp_path, path, server) as relay, client_socket(host) as sock:
            address = relay.address()
            sent = [numbered(index, size) for index in range(count)]
            began = time.monotonic()
            for index, payload in enumerate(sent):
                pause = began + index * spacing - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                sock.sendto(payload, address)
            answers = drain(sock, linger)
            record = relay.finish()
            return Traffic(
                sent, answers, record, relay.client_leg(), relay.server_leg(), server, address,
                (server.host, server.port),
            )  # fmt: skip
    finally:
        server.close()


def assert_counters_agree_with_the_captures(traffic: Traffic) -> None:
    """On each direction: what entered, what left, and the counters that say why they differ."""
    for direction in ("to_server", "to_client"):
        counters = traffic.record.counters[direction]
        near, far = traffic.near_and_far(direction)
        dropped = sum(counters.dropped.values())
        assert counters.received == len(near), direction
        assert counters.forwarded == len(far), direction
        assert counters.received + counters.duplicated - dropped - counters.pending_at_end == counters.forwarded
        near_payloads = {d.payload for d in near}
        assert counters.corrupted == sum(d.payload not in near_payloads for d in far), direction
        # The drops path.json lists (by arrival index) are the near datagrams missing on the far leg.
        missing = [index for index, d in enumerate(near) if d.payload not in {f.payload for f in far}]
        listed = sorted(event.index for event in traffic.record.drops[direction])
        if counters.corrupted == 0 and counters.pending_at_end == 0:
            assert listed == missing, direction
        assert len(listed) == dropped, direction
