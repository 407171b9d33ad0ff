"""The MINIP ping-pong server: ``python -m panther_iut_ping_pong.server``.

It listens on one UDP socket and answers every PING with a PONG, as the chosen
variant dictates (see :mod:`panther_iut_ping_pong.variants`). It runs until SIGTERM
or SIGINT (exit 0, after printing what it served) or, in the ``crash`` variant, until
it exits by itself with status 1. Malformed datagrams are logged, counted and
dropped: they never end the server, except in the ``crash`` variant.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
from dataclasses import dataclass
from typing import Any, cast

from panther_base_minip.wire import DEFAULT_PORT, PING, MalformedDatagram, decode

from panther_iut_ping_pong.arguments import bounded, port
from panther_iut_ping_pong.variants import VARIANTS, Behaviour

CRASH_EXIT_CODE = 1
# Beyond this many, malformed datagrams are only counted: a flood must not fill the log.
MALFORMED_LOG_LIMIT = 20


@dataclass
class ServerStats:
    probes: int = 0
    pings: int = 0
    answered: int = 0
    dropped: int = 0
    malformed: int = 0
    stray: int = 0

    def describe(self) -> str:
        return (
            f"{self.pings} pings and {self.probes} readiness probes received, {self.answered} answers sent, "
            f"{self.dropped} pings dropped, {self.malformed} malformed and {self.stray} stray datagrams ignored"
        )


class MinipServerProtocol(asyncio.DatagramProtocol):
    def __init__(self, behaviour: Behaviour, finished: asyncio.Future[int]) -> None:
        self.behaviour = behaviour
        self.stats = ServerStats()
        self._finished = finished
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        try:
            request = decode(data)
        except MalformedDatagram as exc:
            self.stats.malformed += 1
            if self.stats.malformed <= MALFORMED_LOG_LIMIT:
                _log(f"malformed datagram from {_address(addr)} dropped: {exc}")
            if self.stats.malformed == MALFORMED_LOG_LIMIT:
                _log("further malformed datagrams are counted, not logged")
            if self.behaviour.variant == "crash":
                self._crash(f"after a malformed datagram from {_address(addr)}")
            return
        if request.type != PING:
            self.stats.stray += 1
            _log(f"{request.type_name} with sequence {request.sequence} from {_address(addr)} ignored")
            return
        if request.sequence == 0:
            self.stats.probes += 1
        else:
            self.stats.pings += 1
        response = self.behaviour.respond(request)
        if response.data is None:
            if response.crash:
                self._crash(f"after {self.behaviour.client_pings} pings")
            else:
                self.stats.dropped += 1
            return
        if response.delay > 0:
            asyncio.get_running_loop().call_later(response.delay, self._send, response.data, addr, response.crash)
        else:
            self._send(response.data, addr, response.crash)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error about an earlier answer (the client went away): not the server's problem.
        _log(f"send error ignored: {exc}")

    def _send(self, data: bytes, addr: tuple[Any, ...], crash: bool) -> None:
        if self._transport is None or self._transport.is_closing():
            return
        self._transport.sendto(data, addr)
        self.stats.answered += 1
        if crash:
            self._crash(f"after {self.behaviour.client_pings} pings")

    def _crash(self, when: str) -> None:
        if self._finished.done():
            return
        _log(f"crash variant: exiting {when}")
        # Close the socket now, not when the process gets round to exiting: the next
        # PING must meet a closed port, as it would after a real crash.
        if self._transport is not None:
            self._transport.close()
        self._finished.set_result(CRASH_EXIT_CODE)


def _log(message: str) -> None:
    print(f"minip server: {message}", file=sys.stderr, flush=True)


def _address(addr: tuple[Any, ...]) -> str:
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


async def serve(arguments: argparse.Namespace) -> int:
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[int] = loop.create_future()
    seed = arguments.seed if arguments.seed is not None else random.SystemRandom().randrange(2**32)
    behaviour = Behaviour(
        variant=arguments.variant,
        drop_rate=arguments.drop_rate,
        delay=arguments.delay,
        crash_after=arguments.crash_after,
        seed=seed,
    )
    try:
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: MinipServerProtocol(behaviour, finished), local_addr=(arguments.host, arguments.port)
        )
    except OSError as exc:
        _log(f"cannot listen on {_address((arguments.host, arguments.port))}: {exc.strerror or exc}")
        return 1

    def stop() -> None:
        if not finished.done():
            finished.set_result(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop)
    host, port = transport.get_extra_info("sockname")[:2]
    details = f", seed {seed}, drop rate {arguments.drop_rate}" if arguments.variant == "flaky" else ""
    # Printed only once the socket is bound: a line that readiness checks may wait for.
    print(f"minip server ({arguments.variant}{details}) listening on {_address((host, port))}", flush=True)
    try:
        status = await finished
    finally:
        transport.close()
    print(f"minip server: {protocol.stats.describe()}", flush=True)
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m panther_iut_ping_pong.server", description="MINIP ping-pong server (UDP)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=port, default=DEFAULT_PORT, help="UDP port; 0 picks a free one")
    parser.add_argument("--variant", choices=VARIANTS, default="functional", help="behaviour (default: %(default)s)")
    parser.add_argument(
        "--seed", type=bounded(int, 0, 2**32 - 1), default=None, help="flaky: seed of the drops (default: random)"
    )
    parser.add_argument(
        "--drop-rate",
        type=bounded(float, 0.0, 1.0),
        default=0.3,
        help="flaky: share of pongs dropped (default: %(default)s)",
    )
    parser.add_argument("--delay", type=bounded(float, 0.0), default=1.2, help="slow: seconds before each pong")
    parser.add_argument("--crash-after", type=bounded(int, 0), default=3, help="crash: pings answered before exiting")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    return asyncio.run(serve(arguments))


if __name__ == "__main__":
    sys.exit(main())
