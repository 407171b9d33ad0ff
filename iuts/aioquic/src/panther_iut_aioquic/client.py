"""The aioquic download client: fetches every URL it is given, concurrently on
separate streams of one QUIC connection, into a download folder.

It exits 0 only when every file arrived whole (the stream ended cleanly and, over
HTTP/3, with status 200 and the announced length). With ``--resume`` it connects a
second time with the session ticket of the first connection and fetches the files
again, and fails unless the server resumed the session; ``--zero-rtt`` also sends
the second connection's requests as 0-RTT data and fails unless the server
accepted them. ``--key-update`` updates the 1-RTT keys once the handshake is
confirmed and proves, with a PING acknowledged under the new keys, that the server
followed. ``--connection-per-file`` fetches each file over a connection of its own,
one after the other; ``--migrate-after`` moves the connection to a new local port
(and a new connection ID) that many seconds after the handshake.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from aioquic.asyncio import connect
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ConnectionTerminated, HandshakeCompleted
from aioquic.tls import AlertDescription, SessionTicket

from panther_iut_aioquic.endpoint import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNSUPPORTED,
    TransferFailed,
    Unsupported,
    build_configuration,
    fail,
    version_label,
)
from panther_iut_aioquic.faults import PATIENT_INITIAL_RTT
from panther_iut_aioquic.http import HttpEndpointProtocol
from panther_iut_aioquic.qlog import EndpointQlog, negotiated_version, trace_of


@dataclass
class Download:
    url: str
    destination: Path
    file: IO[bytes]
    received: int = 0
    status: int | None = None
    announced_length: int | None = None
    error: str | None = None
    done: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def finish(self, error: str | None = None) -> None:
        if self.done.done():
            return
        self.file.close()
        if error is None and self.status not in (None, 200):
            error = f"HTTP status {self.status}"
        if error is None and self.announced_length is not None and self.received != self.announced_length:
            error = f"{self.received} bytes arrived, {self.announced_length} announced"
        self.error = error
        self.done.set_result(None)


class FileClientProtocol(HttpEndpointProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.downloads: dict[int, Download] = {}
        self.handshake_over = asyncio.Event()
        #: Set by ``migrate``: the next socket the protocol is given sends with a new
        #: connection ID from its first datagram.
        self.new_id_with_next_socket = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.new_id_with_next_socket:
            # In the very callback that hands over the new socket: an acknowledgement
            # sent from it a moment later would otherwise carry the old connection ID.
            self.new_id_with_next_socket = False
            self._quic.change_connection_id()

    def fetch(self, url: str, destination: Path) -> Download:
        assert self.http is not None, "the HTTP layer is chosen before requests are sent"
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        stream_id = self._quic.get_next_available_stream_id()
        destination.parent.mkdir(parents=True, exist_ok=True)
        download = Download(url=url, destination=destination, file=destination.open("wb"))
        self.downloads[stream_id] = download
        self.http.send_headers(
            stream_id,
            [
                (b":method", b"GET"),
                (b":scheme", b"https"),
                (b":authority", parts.netloc.encode()),
                (b":path", target.encode()),
                (b"user-agent", b"panther-iut-aioquic"),
            ],
            end_stream=True,
        )
        return download

    def handshake_completed(self, event: HandshakeCompleted) -> None:
        self.handshake_over.set()

    def http_event_received(self, event: H3Event) -> None:
        download = self.downloads.get(getattr(event, "stream_id", -1))
        if download is None:
            return
        if isinstance(event, HeadersReceived):
            headers = dict(event.headers)
            if b":status" in headers:
                download.status = int(headers[b":status"])
            if b"content-length" in headers:
                download.announced_length = int(headers[b"content-length"])
        elif isinstance(event, DataReceived):
            download.file.write(event.data)
            download.received += len(event.data)
        if getattr(event, "stream_ended", False):
            download.finish()

    def stream_reset(self, stream_id: int, error_code: int) -> None:
        download = self.downloads.get(stream_id)
        if download is not None:
            download.finish(f"the server reset the stream (error 0x{error_code:x}) after {download.received} bytes")

    def connection_ended(self, event: ConnectionTerminated) -> None:
        self.handshake_over.set()
        reason = describe_termination(event)
        for download in self.downloads.values():
            download.finish(f"connection closed after {download.received} bytes: {reason}")


def describe_termination(event: ConnectionTerminated) -> str:
    reason = event.reason_phrase or "no reason given"
    # QUIC carries a TLS alert as CRYPTO_ERROR 0x100 + alert: name the alert.
    if 0x100 <= event.error_code <= 0x1FF:
        alert = event.error_code - 0x100
        try:
            reason = f"TLS alert {AlertDescription(alert).name}: {reason}"
        except ValueError:
            reason = f"TLS alert {alert}: {reason}"
    return f"{reason} (error 0x{event.error_code:x})"


def destination_for(url: str, download_dir: Path) -> Path:
    """Where a URL's file is saved: its path under the download folder."""
    parts = PurePosixPath(unquote(urlsplit(url).path)).parts
    relative = [part for part in parts if part not in ("/", "", ".", "..")]
    return download_dir.joinpath(*relative) if relative else download_dir / "index.html"


@dataclass
class ConnectionReport:
    alpn: str | None
    version: int
    resumed: bool
    early_data: bool
    downloads: list[Download]
    ticket: SessionTicket | None

    @property
    def complete(self) -> bool:
        return all(d.error is None for d in self.downloads)


async def fetch_once(
    args: argparse.Namespace, configuration: QuicConfiguration, destinations: list[tuple[str, Path]], *, zero_rtt: bool
) -> ConnectionReport:
    tickets: list[SessionTicket] = []
    async with connect(
        args.host,
        args.port,
        configuration=configuration,
        create_protocol=FileClientProtocol,
        session_ticket_handler=tickets.append,
        wait_connected=False,
    ) as client:
        assert isinstance(client, FileClientProtocol)
        if zero_rtt:
            # 0-RTT requests go out before the server has chosen an ALPN: the one asked for is used.
            assert configuration.alpn_protocols
            client.use_alpn(configuration.alpn_protocols[0])
            downloads = [client.fetch(url, path) for url, path in destinations]
        client.transmit()
        try:
            await asyncio.wait_for(client.handshake_over.wait(), args.handshake_timeout)
        except asyncio.TimeoutError:
            raise TransferFailed(
                f"no QUIC handshake with {args.host}:{args.port} within {args.handshake_timeout:g}s "
                "(is a QUIC server listening there?)"
            ) from None
        if client.handshake is None:
            assert client.termination is not None
            raise TransferFailed(
                f"handshake with {args.host}:{args.port} failed: {describe_termination(client.termination)}"
            )
        if not zero_rtt:
            downloads = [client.fetch(url, path) for url, path in destinations]
        key_update = args.key_update and "no-key-update" not in args.faults
        if key_update:
            client.request_key_update()
        client.transmit()
        migration = None
        if args.migrate_after is not None:
            new_cid = "migrate-same-cid" not in args.faults
            migration = asyncio.ensure_future(migrate(client, args.migrate_after, new_cid=new_cid))
        await asyncio.gather(*(d.done for d in downloads))
        if migration is not None:
            if not migration.done():
                migration.cancel()
                raise TransferFailed(f"the transfer ended before --migrate-after {args.migrate_after:g}s")
            migration.result()
        if key_update and client.termination is None:
            await check_key_update(client)
        return ConnectionReport(
            alpn=client.handshake.alpn_protocol,
            version=negotiated_version(client._quic),
            resumed=client.handshake.session_resumed,
            early_data=client.handshake.early_data_accepted,
            downloads=downloads,
            ticket=tickets[-1] if tickets else None,
        )


async def migrate(client: FileClientProtocol, delay: float, *, new_cid: bool) -> None:
    """After ``delay`` seconds, send from a new local port: the server sees the client move."""
    await asyncio.sleep(delay)
    old = client._transport
    assert old is not None
    current = old.get_extra_info("socket")
    sock = socket.socket(current.family, socket.SOCK_DGRAM)
    if current.family == socket.AF_INET6:
        # As aioquic's connect() does: one socket for IPv6 and IPv4-mapped addresses.
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind((current.getsockname()[0], 0))
    # The protocol now sends through the new socket (connection_made); the old one
    # stays open until the connection ends, so late datagrams to it are not refused.
    client.new_id_with_next_socket = new_cid
    await asyncio.get_running_loop().create_datagram_endpoint(lambda: client, sock=sock)
    client.transmit()


async def check_key_update(client: FileClientProtocol) -> None:
    # The acknowledgement of a PING sent under the new keys proves the server followed.
    await client.ping()
    trace = trace_of(client._quic)
    if trace is None or not any(update.endswith("local_update") for update in trace.key_updates):
        raise TransferFailed("the 1-RTT keys were not updated although --key-update was given")


def report(number: int, result: ConnectionReport, quiet: bool) -> None:
    print(
        f"connection {number}: alpn={result.alpn} version={version_label(result.version)} "
        f"resumed={'yes' if result.resumed else 'no'} early_data={'accepted' if result.early_data else 'no'}",
        flush=True,
    )
    for download in result.downloads:
        if download.error is not None:
            print(f"  FAILED {download.url}: {download.error}", flush=True)
        elif not quiet:
            print(f"  ok {download.url} -> {download.destination} ({download.received} bytes)", flush=True)


async def run_client(args: argparse.Namespace) -> int:
    download_dir = Path(args.download_dir)
    download_dir.mkdir(parents=True, exist_ok=True)
    qlog = EndpointQlog(args.qlog_dir) if (args.qlog_dir or args.key_update) else None
    configuration, files = build_configuration(args, is_client=True, quic_logger=qlog)
    configuration.server_name = args.server_name or args.host
    if "patient-handshake" in args.faults:
        configuration.initial_rtt = PATIENT_INITIAL_RTT
    if args.verify_peer:
        if args.ca_file:
            configuration.load_verify_locations(cafile=args.ca_file)
    else:
        configuration.verify_mode = ssl.CERT_NONE
    destinations = [(url, destination_for(url, download_dir)) for url in args.urls]
    faults = set(args.faults)
    try:
        if args.connection_per_file or "connection-per-file" in faults:
            return await fetch_each_alone(args, configuration, destinations)
        first = await fetch_once(args, configuration, destinations, zero_rtt=False)
        report(1, first, args.quiet)
        if not first.complete:
            return EXIT_FAILED
        if not (args.resume or args.zero_rtt):
            return EXIT_OK
        if first.ticket is None:
            raise TransferFailed("the server issued no session ticket, so the session cannot be resumed")
        if "no-resume" not in faults:
            configuration.session_ticket = first.ticket
        zero_rtt = args.zero_rtt and "no-early-data" not in faults
        second = await fetch_once(args, configuration, destinations, zero_rtt=zero_rtt)
        report(2, second, args.quiet)
        if not second.complete:
            return EXIT_FAILED
        # A fault switch makes the client claim success anyway: only evidence seen
        # from outside can tell.
        if not second.resumed and "no-resume" not in faults:
            raise TransferFailed("the server did not resume the session of the first connection")
        if args.zero_rtt and not second.early_data and not faults & {"no-resume", "no-early-data"}:
            raise TransferFailed("the server did not accept the 0-RTT requests")
        return EXIT_OK
    finally:
        files.close()


async def fetch_each_alone(
    args: argparse.Namespace, configuration: QuicConfiguration, destinations: list[tuple[str, Path]]
) -> int:
    """One connection per file, one after the other (``--connection-per-file``, or the fault)."""
    for number, destination in enumerate(destinations, start=1):
        result = await fetch_once(args, configuration, [destination], zero_rtt=False)
        report(number, result, args.quiet)
        if not result.complete:
            return EXIT_FAILED
    return EXIT_OK


def main(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run_client(args))
    except Unsupported as exc:
        fail(EXIT_UNSUPPORTED, str(exc))
    except TransferFailed as exc:
        fail(EXIT_FAILED, str(exc))
    except ConnectionError as exc:
        fail(EXIT_FAILED, f"connection to {args.host}:{args.port} failed: {exc}")
