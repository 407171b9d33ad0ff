"""The MINIP ping-pong client: ``python -m panther_iut_ping_pong.client``.

It sends ``--count`` PINGs numbered from 1, one every ``--interval`` seconds, and
checks every answer: a PONG, for a PING it sent, carrying that PING's sequence,
timestamp and payload, once, within ``--deadline`` seconds. A PING left unanswered
for ``--deadline`` seconds is sent again, up to ``--retransmissions`` times, with the
same sequence number and payload and a new timestamp (which tells the copies apart).
It writes what it saw to the ``--report`` file as JSON lines (see
:mod:`panther_iut_ping_pong.report`).

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
class Copy:
    """One transmission of a PING: its own timestamp (which its PONG echoes) and send time."""

    attempt: int
    timestamp_ns: int
    sent_at: float
    answered: bool = False


@dataclass
class SentPing:
    sequence: int
    payload: bytes
    copies: list[Copy] = field(default_factory=list)
    answered: bool = False
    # Some copy's PONG came back within the deadline of that copy.
    in_time: bool = False
    first_rtt: float = 0.0


@dataclass
class Exchange:
    """The client's bookkeeping: every PING sent (and sent again) and what each answer proved."""

    count: int
    deadline: float
    report: ReportWriter
    sent: dict[int, SentPing] = field(default_factory=dict)
    by_timestamp: dict[int, tuple[SentPing, Copy]] = field(default_factory=dict)
    summary: Summary = field(init=False)
    all_answered: asyncio.Event = field(default_factory=asyncio.Event)
    last_sent_at: float = 0.0
    _last_timestamp: int = 0

    def __post_init__(self) -> None:
        self.summary = Summary(count=self.count, deadline=self.deadline)

    def new_copy(self, sequence: int, payload: bytes, sent_at: float) -> Datagram:
        """The next transmission of PING ``sequence``: a new timestamp, the same payload."""
        entry = self.sent.setdefault(sequence, SentPing(sequence, payload))
        # Timestamps must be unique: they tell which PING (and which copy) a PONG answers.
        self._last_timestamp = max(time.time_ns(), self._last_timestamp + 1)
        copy = Copy(len(entry.copies) + 1, self._last_timestamp, sent_at)
        entry.copies.append(copy)
        self.by_timestamp[copy.timestamp_ns] = (entry, copy)
        self.last_sent_at = sent_at
        if copy.attempt > 1:
            self.summary.retransmissions += 1
        self.report.record("sent", sequence=sequence, timestamp_ns=copy.timestamp_ns, attempt=copy.attempt)
        return ping(sequence, payload, timestamp_ns=copy.timestamp_ns)

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
        # The echoed timestamp identifies the PING (and its copy) even when the sequence number is wrong.
        found = self.by_timestamp.get(answer.timestamp_ns)
        if found is None:
            self.summary.unsolicited.append(answer.sequence)
            self.report.record("unsolicited", sequence=answer.sequence, timestamp_ns=answer.timestamp_ns)
            return
        entry, copy = found
        rtt = received_at - copy.sent_at
        self.report.record(
            "received",
            sequence=answer.sequence,
            expected=entry.sequence,
            attempt=copy.attempt,
            rtt_ms=round(rtt * 1e3, 3),
        )
        if copy.answered:
            # A second PONG for the same transmission: the server (or the network) answered twice.
            self.summary.duplicates.append(entry.sequence)
            return
        copy.answered = True
        if rtt <= self.deadline:
            entry.in_time = True
        if entry.answered:
            return  # another copy's answer: expected once a PING was sent again
        entry.answered = True
        entry.first_rtt = rtt
        self.summary.answered += 1
        if answer.sequence != entry.sequence:
            self.summary.wrong_sequence.append(WrongSequence(entry.sequence, answer.sequence))
        if answer.payload != entry.payload:
            self.summary.bad_payload.append(entry.sequence)
        if self.summary.answered == self.count:
            self.all_answered.set()

    def record_error(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            self.summary.unreachable = True
        self.report.record("error", message=str(exc) or type(exc).__name__)

    def finish(self) -> Summary:
        summary = self.summary
        summary.missing = sorted(s for s, entry in self.sent.items() if not entry.answered)
        late = [entry for entry in self.sent.values() if entry.answered and not entry.in_time]
        summary.late = sorted(entry.sequence for entry in late)
        summary.slowest_late_rtt = max((entry.first_rtt for entry in late), default=None)
        summary.retransmitted = sorted(s for s, entry in self.sent.items() if len(entry.copies) > 1)
        self.report.summary(summary)
        return summary


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
    exchange.summary.retransmission_limit = arguments.retransmissions
    transport, _ = await loop.create_datagram_endpoint(
        lambda: MinipClientProtocol(exchange), remote_addr=(arguments.host, arguments.port)
    )

    def transmit(sequence: int, payload: bytes) -> None:
        if transport.is_closing():
            return
        now = time.monotonic()
        transport.sendto(encode(exchange.new_copy(sequence, payload, now)))
        if len(exchange.sent[sequence].copies) <= arguments.retransmissions:
            loop.call_later(arguments.deadline, resend, sequence, payload)

    def resend(sequence: int, payload: bytes) -> None:
        # Unanswered within the deadline: the PING or its PONG may have been lost.
        if not exchange.sent[sequence].answered:
            transmit(sequence, payload)

    try:
        for sequence in range(1, arguments.count + 1):
            if sequence > 1:
                await asyncio.sleep(arguments.interval)
            transmit(sequence, payload_for(sequence, arguments.payload_size))
        # Wait for the last deadline (of the last copy sent), then as long again: a PONG
        # arriving in that grace period is reported as late rather than missing.
        while not exchange.all_answered.is_set():
            remaining = exchange.last_sent_at + 2 * arguments.deadline - time.monotonic()
            if remaining <= 0:
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(exchange.all_answered.wait(), timeout=remaining)
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
        "--retransmissions",
        type=bounded(int, 0, 100),
        default=0,
        help="times a PING unanswered within the deadline is sent again (default: %(default)s)",
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
        f"({len(summary.missing)} missing, {len(summary.late)} late, {summary.malformed} malformed datagrams, "
        f"{summary.retransmissions} PINGs sent again)",
        flush=True,
    )
    for fault in summary.faults:
        print(f"minip client: fault: {fault}", file=sys.stderr, flush=True)
    return 0 if summary.passed else EXIT_FAULT


if __name__ == "__main__":
    sys.exit(main())
