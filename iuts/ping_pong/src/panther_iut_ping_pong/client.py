"""The MINIP ping-pong client: ``python -m panther_iut_ping_pong.client``.

It sends ``--count`` PINGs numbered from 1, one every ``--interval`` seconds, and
checks every answer: a PONG, for a PING it sent, carrying that PING's sequence,
timestamp and payload, once, within ``--deadline`` seconds. It writes what it saw
to the ``--report`` file as JSON lines (see :mod:`panther_iut_ping_pong.report`).

Exit status: 0 when all PONGs came back right in time, 1 on a protocol fault (each
fault also written to stderr and to the report), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from panther_base_minip.wire import DEFAULT_PORT, MAX_PAYLOAD, PONG, Datagram, MalformedDatagram, decode, encode, ping

from panther_iut_ping_pong.arguments import bounded, port
from panther_iut_ping_pong.report import ReportWriter, Summary, WrongSequence

EXIT_FAULT = 1


def payload_for(sequence: int, size: int) -> bytes:
    """A payload that differs from one PING to the next, so that a mixed-up echo shows."""
    return bytes((sequence + index) & 0xFF for index in range(size))


@dataclass
class SentPing:
    sequence: int
    timestamp_ns: int
    payload: bytes
    sent_at: float
    answered: bool = False


@dataclass
class Exchange:
    """The client's bookkeeping: every PING sent and what each answer proved."""

    count: int
    deadline: float
    report: ReportWriter
    sent: dict[int, SentPing] = field(default_factory=dict)
    by_timestamp: dict[int, SentPing] = field(default_factory=dict)
    summary: Summary = field(init=False)
    all_answered: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.summary = Summary(count=self.count, deadline=self.deadline)

    def record_sent(self, request: Datagram, sent_at: float) -> None:
        entry = SentPing(request.sequence, request.timestamp_ns, request.payload, sent_at)
        self.sent[request.sequence] = entry
        self.by_timestamp[request.timestamp_ns] = entry
        self.report.record("sent", sequence=request.sequence, timestamp_ns=request.timestamp_ns)

    def record_datagram(self, data: bytes, received_at: float) -> None:
        try:
            answer = decode(data)
        except MalformedDatagram as exc:
            self.summary.malformed += 1
            if self.summary.first_malformed_reason is None:
                self.summary.first_malformed_reason = str(exc)
            self.report.record("malformed", size=len(data), reason=str(exc))
            return
        if answer.type != PONG:
            self.summary.unexpected_pings += 1
            self.report.record("unexpected", type=answer.type_name, sequence=answer.sequence)
            return
        # The echoed timestamp identifies the PING even when the sequence number is wrong.
        entry = self.by_timestamp.get(answer.timestamp_ns)
        if entry is None:
            self.summary.unsolicited.append(answer.sequence)
            self.report.record("unsolicited", sequence=answer.sequence, timestamp_ns=answer.timestamp_ns)
            return
        rtt = received_at - entry.sent_at
        self.report.record("received", sequence=answer.sequence, expected=entry.sequence, rtt_ms=round(rtt * 1e3, 3))
        if entry.answered:
            self.summary.duplicates.append(entry.sequence)
            return
        entry.answered = True
        self.summary.answered += 1
        if answer.sequence != entry.sequence:
            self.summary.wrong_sequence.append(WrongSequence(entry.sequence, answer.sequence))
        if answer.payload != entry.payload:
            self.summary.bad_payload.append(entry.sequence)
        if rtt > self.deadline:
            self.summary.late.append(entry.sequence)
            slowest = self.summary.slowest_late_rtt
            self.summary.slowest_late_rtt = rtt if slowest is None else max(slowest, rtt)
        if self.summary.answered == self.count:
            self.all_answered.set()

    def record_error(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            self.summary.unreachable = True
        self.report.record("error", message=str(exc) or type(exc).__name__)

    def finish(self) -> Summary:
        self.summary.missing = sorted(s for s, entry in self.sent.items() if not entry.answered)
        self.summary.late.sort()
        self.report.summary(self.summary)
        return self.summary


class MinipClientProtocol(asyncio.DatagramProtocol):
    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.exchange.record_datagram(data, time.monotonic())

    def error_received(self, exc: Exception) -> None:
        # On a connected UDP socket, "port unreachable" from the server's host arrives here.
        self.exchange.record_error(exc)


async def run_exchange(arguments: argparse.Namespace, report: IO[str]) -> Summary:
    loop = asyncio.get_running_loop()
    exchange = Exchange(count=arguments.count, deadline=arguments.deadline, report=ReportWriter(report))
    transport, _ = await loop.create_datagram_endpoint(
        lambda: MinipClientProtocol(exchange), remote_addr=(arguments.host, arguments.port)
    )
    try:
        last_timestamp = 0
        for sequence in range(1, arguments.count + 1):
            if sequence > 1:
                await asyncio.sleep(arguments.interval)
            # Timestamps must be unique: they tell which PING a wrongly numbered PONG answers.
            last_timestamp = max(time.time_ns(), last_timestamp + 1)
            request = ping(sequence, payload_for(sequence, arguments.payload_size), timestamp_ns=last_timestamp)
            exchange.record_sent(request, time.monotonic())
            transport.sendto(encode(request))
        # Wait for the last deadline, then as long again: a PONG arriving in that grace
        # period is reported as late rather than missing.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(exchange.all_answered.wait(), timeout=2 * arguments.deadline)
    finally:
        transport.close()
    return exchange.finish()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m panther_iut_ping_pong.client", description="MINIP ping-pong client (UDP)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="server address (default: %(default)s)")
    parser.add_argument("--port", type=port, default=DEFAULT_PORT, help="server UDP port (default: %(default)s)")
    parser.add_argument("--count", type=bounded(int, 1), default=10, help="PINGs to send (default: %(default)s)")
    parser.add_argument(
        "--interval", type=bounded(float, 0.0), default=0.05, help="seconds between PINGs (default: %(default)s)"
    )
    parser.add_argument(
        "--deadline",
        type=bounded(float, 0.0, low_open=True),
        default=1.0,
        help="seconds within which each PONG must arrive (default: %(default)s)",
    )
    parser.add_argument(
        "--payload-size",
        type=bounded(int, 0, MAX_PAYLOAD),
        default=32,
        help="bytes of payload per PING (default: %(default)s)",
    )
    parser.add_argument("--report", type=Path, required=True, help="JSON-lines file to write what was seen into")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        socket.getaddrinfo(arguments.host, arguments.port, type=socket.SOCK_DGRAM)
    except socket.gaierror as exc:
        parser.error(f"argument --host: cannot resolve {arguments.host!r}: {exc.strerror}")
    try:
        report = arguments.report.open("w", encoding="utf-8")
    except OSError as exc:
        parser.error(f"argument --report: cannot write {arguments.report}: {exc.strerror or exc}")
    with report:
        summary = asyncio.run(run_exchange(arguments, report))
    print(
        f"minip client: {summary.answered} of {summary.count} pongs received "
        f"({len(summary.missing)} missing, {len(summary.late)} late, {summary.malformed} malformed datagrams)",
        flush=True,
    )
    for fault in summary.faults:
        print(f"minip client: fault: {fault}", file=sys.stderr, flush=True)
    return 0 if summary.passed else EXIT_FAULT


if __name__ == "__main__":
    sys.exit(main())
