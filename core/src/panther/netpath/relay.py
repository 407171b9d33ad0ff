"""The path relay: a user-space UDP relay between a test's clients and its servers.

One process per test (``python -m panther.netpath relay.json``), single-threaded, on
plain non-blocking ``socket`` calls under ``epoll``. For every server it has a *route*:
a socket the server's clients send to. Each client address seen there is a *flow*,
with a socket of its own connected to the server, so that the server sees every
client as a distinct peer, and a NAT rebinding is a new socket. Every datagram is
recorded twice: on the client's leg (``client.pcap``) as the client sent or received
it, and on the server's leg (``server.pcap``) as the server received or sent it.

A direction without impairment forwards each datagram as it is read, with no copy;
an impaired one asks :mod:`panther.netpath.impairment` for its fate and schedules
the copies on a timer heap. The relay ends when its lifeline (a pipe whose other end
the harness holds) closes, or on SIGTERM/SIGINT: it then writes ``path.json``.
"""

from __future__ import annotations

import contextlib
import heapq
import ipaddress
import os
import random
import select
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from panther.netpath.config import DIRECTIONS, Direction
from panther.netpath.files import CLIENT_PCAP, PATH_JSON, SERVER_PCAP
from panther.netpath.impairment import REBOUND, UNREACHABLE, DirectionImpairment, DirectionLine, flip_bit
from panther.netpath.pcap import IPV4_OVERHEAD, IPV6_OVERHEAD, Leg, PcapWriter, word_sum
from panther.netpath.record import (
    CorruptEvent,
    DirectionCounters,
    DropEvent,
    FlowRecord,
    PathRecord,
    RebindEvent,
    RelayHealth,
    RouteRecord,
    write_path_record,
)
from panther.netpath.spec import RelaySpec, RouteSpec

#: Datagrams read from one socket before the others get their turn.
BATCH = 64
#: The captures reach the disk at least this often (seconds), so a killed run keeps them.
FLUSH_INTERVAL = 0.2
#: A datagram sent later than this after it was due counts as late (milliseconds).
LATE_MS = 5.0
#: Events kept per list in path.json (the counters are always complete).
MAX_EVENTS = 10_000
SOCKET_BUFFER = 4 << 20
_MAX_DATAGRAM = 65535
_READ = select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP
# Heap entry flags.
_DELAYED, _QUEUED, _DUPLICATE = 1, 2, 4

Endpoint = tuple[str, int]


def _endpoint(address: Any) -> Endpoint:
    return (address[0], address[1])


def _udp_socket(family: int) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_DGRAM)
    for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
    return sock


def _family(host: str) -> int:
    return socket.AF_INET6 if ipaddress.ip_address(host).version == 6 else socket.AF_INET


class _Side:
    """One flow in one direction: its random choices and the order of its datagrams."""

    __slots__ = ("impairment", "arrived", "highest_sent")

    def __init__(self, impairment: DirectionImpairment | None) -> None:
        self.impairment = impairment
        self.arrived = 0
        self.highest_sent = -1


class _Route:
    __slots__ = ("name", "clients", "socket", "listen", "target", "flows")

    def __init__(self, spec: RouteSpec, sock: socket.socket) -> None:
        self.name = spec.server
        self.clients = spec.clients
        self.socket = sock
        self.listen = _endpoint(sock.getsockname())
        self.target: Endpoint = (spec.target[0], spec.target[1])
        self.flows: dict[Any, _Flow] = {}


class _Flow:
    """One client address of one route, and its socket towards the server."""

    __slots__ = (
        "index", "route", "client", "client_endpoint", "socket", "endpoint", "history", "first_seen",
        "from_client", "to_client", "to_server", "from_server", "up", "down",
    )  # fmt: skip

    def __init__(self, index: int, route: _Route, client: Any, sock: socket.socket, first_seen: float) -> None:
        self.index = index
        self.route = route
        self.client = client
        self.client_endpoint = _endpoint(client)
        self.first_seen = first_seen
        self.from_client = Leg(self.client_endpoint, route.listen)
        self.to_client = Leg(route.listen, self.client_endpoint)
        self.history: list[Endpoint] = []
        self.up = _Side(None)
        self.down = _Side(None)
        self.socket = sock
        self.endpoint: Endpoint = ("", 0)
        self.attach(sock)

    def attach(self, sock: socket.socket) -> None:
        """Make ``sock`` (connected to the server) the flow's way to the server."""
        self.socket = sock
        self.endpoint = _endpoint(sock.getsockname())
        self.history.append(self.endpoint)
        self.to_server = Leg(self.endpoint, self.route.target)
        self.from_server = Leg(self.route.target, self.endpoint)


class Relay:
    """Runs one path until its lifeline closes or it is told to stop; then writes ``path.json``."""

    def __init__(self, spec: RelaySpec) -> None:
        self.spec = spec
        self.folder = Path(spec.folder)
        self.settings = spec.settings
        self.lines = {d: DirectionLine(d, self.settings.impairments(d), self.settings.blackholes) for d in DIRECTIONS}
        self.up_line, self.down_line = self.lines["to_server"], self.lines["to_client"]
        self.counters: dict[str, DirectionCounters] = {d: DirectionCounters(dropped={}) for d in DIRECTIONS}
        self.up_counters, self.down_counters = self.counters["to_server"], self.counters["to_client"]
        self.drops: dict[str, list[DropEvent]] = {d: [] for d in DIRECTIONS}
        self.corruptions: dict[str, list[CorruptEvent]] = {d: [] for d in DIRECTIONS}
        self.rebind_events: list[RebindEvent] = []
        self.pending_rebinds = sorted(self.settings.rebind, key=lambda event: event.at)
        self.health = RelayHealth()
        self.truncated = False

        self.buffer = bytearray(_MAX_DATAGRAM)
        self.view = memoryview(self.buffer)
        self.epoll = select.epoll()
        self.handlers: dict[int, Callable[[], None]] = {}
        self.sockets: list[socket.socket] = []
        self.heap: list[tuple[float, int, _Flow, bool, bytes, int, int, int]] = []
        self.sequence = 0
        self.flows: list[_Flow] = []
        self.stopping = False
        self.started = time.time()
        # Timestamps: one monotonic reading per datagram, turned into wall-clock time.
        self.clock_offset = time.time() - time.monotonic()
        self.origin: float | None = None  # monotonic time of the first datagram
        self.next_flush = 0.0

        self.client_pcap = PcapWriter(self.folder / CLIENT_PCAP)
        self.server_pcap = PcapWriter(self.folder / SERVER_PCAP)
        self.routes = [self._open_route(route) for route in spec.routes]
        ipv6 = bool(self.routes) and self.routes[0].socket.family == socket.AF_INET6
        self.overhead = IPV6_OVERHEAD if ipv6 else IPV4_OVERHEAD
        if spec.lifeline_fd is not None:
            self._watch(spec.lifeline_fd, self._lifeline)

    # ------------------------------------------------------------------ set-up
    def _open_route(self, spec: RouteSpec) -> _Route:
        if spec.listen_fd is not None:
            sock = socket.socket(fileno=spec.listen_fd)
        else:
            sock = _udp_socket(_family(spec.listen[0]))
            sock.bind((spec.listen[0], spec.listen[1]))
        for option in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER)
        route = _Route(spec, sock)
        self.sockets.append(sock)
        self._watch(sock.fileno(), lambda: self._from_clients(route))
        return route

    def _watch(self, fd: int, handler: Callable[[], None]) -> None:
        self.handlers[fd] = handler
        self.epoll.register(fd, _READ)

    def _server_socket(self, route: _Route, address: str) -> socket.socket:
        sock = _udp_socket(route.socket.family)
        sock.bind((address, 0))
        sock.connect(route.target)
        self.sockets.append(sock)
        return sock

    def _new_flow(self, route: _Route, client: Any, now: float) -> _Flow:
        sock = self._server_socket(route, route.listen[0])
        flow = _Flow(len(self.flows), route, client, sock, now + self.clock_offset)
        for side, line, direction in ((flow.up, self.up_line, "to_server"), (flow.down, self.down_line, "to_client")):
            if not line.transparent:
                # One generator per flow and direction: what one client meets does not
                # depend on how its datagrams interleave with others'.
                side.impairment = DirectionImpairment(line, random.Random(f"{self.spec.seed}/{flow.index}/{direction}"))
        route.flows[client] = flow
        self.flows.append(flow)
        self._watch(sock.fileno(), lambda: self._from_server(flow, sock))
        return flow

    # ------------------------------------------------------------------ the loop
    def run(self) -> None:
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        previous = signal.set_wakeup_fd(wake_write)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        self._watch(wake_read, lambda: self._drain_wakeup(wake_read))
        if self.spec.ready_fd is not None:
            os.write(self.spec.ready_fd, b"1")
            os.close(self.spec.ready_fd)
        try:
            while not self.stopping:
                events = self.epoll.poll(self._timeout())
                for fd, _ in events:
                    self.handlers[fd]()
                now = time.monotonic()
                if self.heap and self.heap[0][0] <= now:
                    self._send_due(now)
                if self.pending_rebinds and self.origin is not None:
                    self._rebind_due(now)
                if now >= self.next_flush:
                    self.client_pcap.flush()
                    self.server_pcap.flush()
                    self.next_flush = now + FLUSH_INTERVAL
        finally:
            signal.set_wakeup_fd(previous)
            self.client_pcap.close()
            self.server_pcap.close()
        self._finish()

    def _timeout(self) -> float:
        now = time.monotonic()
        wake = self.next_flush
        if self.heap:
            wake = min(wake, self.heap[0][0])
        if self.pending_rebinds and self.origin is not None:
            wake = min(wake, self.origin + self.pending_rebinds[0].at)
        return min(max(wake - now, 0.0), 1.0)

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.stopping = True

    def _drain_wakeup(self, fd: int) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(fd, 512)

    def _lifeline(self) -> None:
        # Nothing is ever written to the lifeline: readable means its writer is gone.
        self.stopping = True

    # ------------------------------------------------------------------ client -> server
    def _from_clients(self, route: _Route) -> None:
        sock, buffer, view = route.socket, self.buffer, self.view
        flows, counters, line = route.flows, self.up_counters, self.up_line
        client_pcap, server_pcap = self.client_pcap, self.server_pcap
        for _ in range(BATCH):
            try:
                size, client = sock.recvfrom_into(buffer, 0, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                continue  # an ICMP error about a client that went away: nothing to forward
            now = time.monotonic()
            stamp = now + self.clock_offset
            if self.origin is None:
                self.origin = now
            flow = flows.get(client)
            if flow is None:
                flow = self._new_flow(route, client, now)
            payload = view[:size]
            payload_sum = word_sum(payload)
            client_pcap.record(stamp, flow.from_client, payload, payload_sum)
            counters.received += 1
            counters.bytes_received += size
            index = flow.up.arrived
            flow.up.arrived = index + 1
            if line.transparent:
                try:
                    flow.socket.send(payload)
                except OSError:
                    if not _send_again(flow.socket, payload, None):
                        self._drop(flow, True, index, UNREACHABLE)
                        continue
                server_pcap.record(stamp, flow.to_server, payload, payload_sum)
                counters.forwarded += 1
                counters.bytes_forwarded += size
            else:
                self._impair(flow, True, payload, index, now)

    # ------------------------------------------------------------------ server -> client
    def _from_server(self, flow: _Flow, sock: socket.socket) -> None:
        buffer, view = self.buffer, self.view
        counters, line = self.down_counters, self.down_line
        client_pcap, server_pcap = self.client_pcap, self.server_pcap
        current = sock is flow.socket
        leg = flow.from_server if current else Leg(flow.route.target, _endpoint(sock.getsockname()))
        for _ in range(BATCH):
            try:
                size = sock.recv_into(buffer, 0, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            except OSError:
                continue  # "port unreachable": the server's port is closed; nothing arrived
            now = time.monotonic()
            stamp = now + self.clock_offset
            payload = view[:size]
            payload_sum = word_sum(payload)
            server_pcap.record(stamp, leg, payload, payload_sum)
            counters.received += 1
            counters.bytes_received += size
            index = flow.down.arrived
            flow.down.arrived = index + 1
            if not current:
                # Sent to an address a rebinding retired: a NAT would have nowhere to send it.
                self._drop(flow, False, index, REBOUND)
            elif line.transparent:
                try:
                    flow.route.socket.sendto(payload, flow.client)
                except OSError:
                    if not _send_again(flow.route.socket, payload, flow.client):
                        self._drop(flow, False, index, UNREACHABLE)
                        continue
                client_pcap.record(stamp, flow.to_client, payload, payload_sum)
                counters.forwarded += 1
                counters.bytes_forwarded += size
            else:
                self._impair(flow, False, payload, index, now)

    # ------------------------------------------------------------------ impairment
    def _impair(self, flow: _Flow, up: bool, payload: memoryview, index: int, now: float) -> None:
        side = flow.up if up else flow.down
        assert side.impairment is not None and self.origin is not None
        size = len(payload)
        cause, copies = side.impairment.admit(now, now - self.origin, size, size + self.overhead)
        if cause is not None:
            self._drop(flow, up, index, cause)
            return
        data = bytes(payload)
        for number, copy in enumerate(copies):
            flags = (_DUPLICATE if number else 0) | (_QUEUED if copy.queued else 0)
            out = flip_bit(data, copy.flipped_bit) if copy.flipped_bit >= 0 else data
            if copy.due <= now:
                self._send(flow, up, out, index, copy.flipped_bit, flags, now)
            else:
                self.sequence += 1
                entry = (copy.due, self.sequence, flow, up, out, index, copy.flipped_bit, flags | _DELAYED)
                heapq.heappush(self.heap, entry)

    def _drop(self, flow: _Flow, up: bool, index: int, cause: str) -> None:
        direction: Direction = "to_server" if up else "to_client"
        dropped = self.counters[direction].dropped
        dropped[cause] = dropped.get(cause, 0) + 1
        self._log(self.drops[direction], DropEvent(flow.index, index, cause))

    def _log(self, events: list[Any], event: Any) -> None:
        if len(events) < MAX_EVENTS:
            events.append(event)
        else:
            self.truncated = True

    def _send_due(self, now: float) -> None:
        heap = self.heap
        while heap and heap[0][0] <= now:
            due, _, flow, up, data, index, bit, flags = heapq.heappop(heap)
            lateness = (now - due) * 1e3
            if lateness > LATE_MS:
                self.health.late += 1
            self.health.max_lateness_ms = max(self.health.max_lateness_ms, lateness)
            self._send(flow, up, data, index, bit, flags, now)

    def _send(self, flow: _Flow, up: bool, data: bytes, index: int, bit: int, flags: int, now: float) -> None:
        stamp = now + self.clock_offset
        sock, address = (flow.socket, None) if up else (flow.route.socket, flow.client)
        if not _send_again(sock, data, address):
            self._drop(flow, up, index, UNREACHABLE)
            return
        if up:
            self.server_pcap.record(stamp, flow.to_server, data)
            counters, side, direction = self.up_counters, flow.up, "to_server"
        else:
            self.client_pcap.record(stamp, flow.to_client, data)
            counters, side, direction = self.down_counters, flow.down, "to_client"
        counters.forwarded += 1
        counters.bytes_forwarded += len(data)
        if flags & _DUPLICATE:
            counters.duplicated += 1
        if flags & _DELAYED:
            counters.delayed += 1
        if flags & _QUEUED:
            counters.queued += 1
        if bit >= 0:
            counters.corrupted += 1
            self._log(self.corruptions[direction], CorruptEvent(flow.index, index, bit))
        if index < side.highest_sent:
            counters.reordered += 1
        else:
            side.highest_sent = index

    # ------------------------------------------------------------------ rebinding
    def _rebind_due(self, now: float) -> None:
        assert self.origin is not None
        while self.pending_rebinds and now >= self.origin + self.pending_rebinds[0].at:
            event = self.pending_rebinds.pop(0)
            for flow in self.flows:
                self._rebind(flow, event.change, event.at, now)

    def _rebind(self, flow: _Flow, change: str, at: float, now: float) -> None:
        old = flow.endpoint
        address = old[0]
        if change == "address":
            address = str(ipaddress.ip_address(address) + 1)
        sock = self._server_socket(flow.route, address)
        # The retired socket stays open (its handler now sees it is no longer the flow's):
        # what the server still sends there is recorded and dropped.
        flow.attach(sock)
        self._watch(sock.fileno(), lambda: self._from_server(flow, sock))
        self.rebind_events.append(
            RebindEvent(
                time=now + self.clock_offset,
                at=at,
                change=change,
                flow=flow.index,
                client=flow.client_endpoint,
                old=old,
                new=flow.endpoint,
            )
        )

    # ------------------------------------------------------------------ the end
    def _finish(self) -> None:
        for entry in self.heap:
            self.counters["to_server" if entry[3] else "to_client"].pending_at_end += 1
        self.health.socket_drops = _socket_drops(self.sockets)
        self.health.cpu_seconds = round(time.process_time(), 3)
        self.health.max_lateness_ms = round(self.health.max_lateness_ms, 3)
        record = PathRecord(
            seed=self.spec.seed,
            settings=msgspec.to_builtins(self.settings),
            impairments={d: line.settings.as_dict() for d, line in self.lines.items()},
            started=self.started,
            ended=time.time(),
            origin=self.origin + self.clock_offset if self.origin is not None else None,
            routes=[
                RouteRecord(server=route.name, clients=list(route.clients), relay=route.listen, target=route.target)
                for route in self.routes
            ],
            counters=self.counters,
            flows=[
                FlowRecord(
                    index=flow.index,
                    route=flow.route.name,
                    client=flow.client_endpoint,
                    server_side=flow.history,
                    first_seen=flow.first_seen,
                )
                for flow in self.flows
            ],
            rebinds=self.rebind_events,
            drops=self.drops,
            corruptions=self.corruptions,
            relay=self.health,
            events_truncated=self.truncated,
        )
        write_path_record(self.folder / PATH_JSON, record)
        for sock in self.sockets:
            sock.close()


def _send_again(sock: socket.socket, payload: bytes | memoryview, address: Any) -> bool:
    """Send one datagram, trying twice: a first error may report an earlier datagram's
    ICMP error (the far port was closed), and then this one did not leave."""
    for _ in range(2):
        try:
            if address is None:
                sock.send(payload)
            else:
                sock.sendto(payload, address)
            return True
        except OSError:
            continue
    return False


def _socket_drops(sockets: list[socket.socket]) -> int:
    """Datagrams the kernel dropped because the relay did not read its sockets fast enough."""
    inodes = {os.fstat(sock.fileno()).st_ino for sock in sockets if sock.fileno() >= 0}
    drops = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) >= 13 and int(fields[9]) in inodes:
                drops += int(fields[-1])
    return drops


def main(argv: list[str] | None = None) -> int:
    """``python -m panther.netpath RELAY_JSON``: run the relay that file describes."""
    from panther.netpath.spec import read_spec

    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: python -m panther.netpath RELAY_JSON", file=sys.stderr)
        return 2
    try:
        spec = read_spec(Path(arguments[0]))
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        print(f"cannot read the relay's description {arguments[0]}: {exc}", file=sys.stderr)
        return 2
    Relay(spec).run()
    return 0
