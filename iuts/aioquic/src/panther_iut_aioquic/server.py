"""The aioquic file server: serves one folder over HTTP/0.9 (``hq-interop``) and
HTTP/3 (``h3``) on one UDP address and port, until SIGTERM or SIGINT.

Its socket is bound before aioquic is imported, and version negotiation answered
meanwhile (:mod:`panther_iut_aioquic.doorman`), so that it is seen listening as soon
as it started. Session tickets are kept in memory, so a client that reconnects to the same server
process can resume its session and send 0-RTT requests. On shutdown, open
connections are closed and given time to drain, so every qlog trace is written.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from aioquic.asyncio import serve
from aioquic.asyncio.server import QuicServer
from aioquic.h0.connection import H0Connection
from aioquic.h3.connection import ErrorCode as H3ErrorCode
from aioquic.h3.events import H3Event, HeadersReceived
from aioquic.quic.connection import NetworkAddress, QuicNetworkPath
from aioquic.quic.events import ConnectionTerminated
from aioquic.tls import SessionTicket
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from panther_iut_aioquic.doorman import Doorman
from panther_iut_aioquic.endpoint import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_UNSUPPORTED,
    EXIT_USAGE,
    Unsupported,
    build_configuration,
    fail,
)
from panther_iut_aioquic.faults import UNLIMITED_STREAMS
from panther_iut_aioquic.http import HttpEndpointProtocol
from panther_iut_aioquic.qlog import EndpointQlog, closed_by_peer, trace_of

# How long closing connections may take to drain at shutdown (their qlog is
# written when they end); a peer that never answers cannot hold the server.
SHUTDOWN_GRACE_SECONDS = 2.0


class FileServerProtocol(HttpEndpointProtocol):
    """One connection of the file server."""

    www: Path
    quiet: bool
    live: set[FileServerProtocol]
    max_streams_bidi: int | None
    truncate: bool
    trust_addresses: bool
    stay_on_first_path: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.live.add(self)
        self._first_address: NetworkAddress | None = None
        if self.trust_addresses:
            find = self._quic._find_network_path

            def trusted(addr: NetworkAddress) -> QuicNetworkPath:
                path = find(addr)
                path.is_validated = True
                return path

            self._quic._find_network_path = trusted  # type: ignore[method-assign]
        if self.max_streams_bidi is not None:
            # aioquic has no setting for its initial stream limit (128); the limit
            # object is read when the transport parameters are first written, which
            # happens after the protocol is made, so setting it here takes effect.
            self._quic._local_max_streams_bidi.value = self.max_streams_bidi

    def datagram_received(self, data: bytes | str, addr: NetworkAddress) -> None:
        if self.stay_on_first_path:
            # The connection believes every datagram came from the first address.
            self._first_address = self._first_address or addr
            addr = self._first_address
        super().datagram_received(data, addr)

    def http_event_received(self, event: H3Event) -> None:
        if isinstance(event, HeadersReceived):
            headers = dict(event.headers)
            method = headers.get(b":method", b"").decode(errors="replace")
            target = headers.get(b":path", b"").decode(errors="replace")
            self._respond(event.stream_id, method, target)
            self.transmit()

    def connection_ended(self, event: ConnectionTerminated) -> None:
        self.live.discard(self)

    def _resolve(self, target: str) -> Path | None:
        relative = unquote(urlsplit(target).path).lstrip("/")
        candidate = (self.www / relative).resolve()
        # A path that leaves the served folder is answered like a missing file.
        if not candidate.is_relative_to(self.www) or not candidate.is_file():
            return None
        return candidate

    def _respond(self, stream_id: int, method: str, target: str) -> None:
        assert self.http is not None
        path = self._resolve(target) if method == "GET" else None
        if path is None:
            self._log(f"{method} {target} -> not served")
            if isinstance(self.http, H0Connection):
                # HTTP/0.9 has no status line: resetting the stream is the only way
                # to tell the client that nothing whole is coming.
                self._quic.reset_stream(stream_id, H3ErrorCode.H3_REQUEST_REJECTED)
            else:
                self.http.send_headers(stream_id, [(b":status", b"404"), (b"content-length", b"0")], end_stream=True)
            return
        body = path.read_bytes()
        if self.truncate:
            body = body[: len(body) // 2]
        if not isinstance(self.http, H0Connection):
            self.http.send_headers(
                stream_id,
                [
                    (b":status", b"200"),
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/octet-stream"),
                ],
            )
        self.http.send_data(stream_id, body, end_stream=True)
        self._log(f"{method} {target} -> {len(body)} bytes over {self.alpn}")

    def _log(self, line: str) -> None:
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)


def check_key_pair(certificate: str, private_key: str) -> None:
    """Refuse to start with a key that does not belong to the certificate."""
    try:
        cert = x509.load_pem_x509_certificate(Path(certificate).read_bytes())
        key = serialization.load_pem_private_key(Path(private_key).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        fail(EXIT_FAILED, f"cannot load certificate {certificate!r} and key {private_key!r}: {exc}")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if cert.public_key().public_bytes(encoding, public) != key.public_key().public_bytes(encoding, public):
        fail(EXIT_FAILED, f"private key {private_key!r} does not match certificate {certificate!r}")


async def listen(host: str, port: int, doorman: Doorman | None, **settings: Any) -> QuicServer:
    """aioquic's ``serve``, on the doorman's socket when there is one (after what it kept)."""
    if doorman is None:
        return await serve(host, port, **settings)
    sock, kept = doorman.hand_over()
    _, server = await asyncio.get_running_loop().create_datagram_endpoint(lambda: QuicServer(**settings), sock=sock)
    for data, address in kept:
        server.datagram_received(data, address)
    return server


async def run_server(args: argparse.Namespace, doorman: Doorman | None = None) -> int:
    www = Path(args.www).resolve()
    if not www.is_dir():
        fail(EXIT_USAGE, f"--www {args.www!r} is not a folder")
    check_key_pair(args.certificate, args.private_key)
    qlog = EndpointQlog(args.qlog_dir)
    configuration, files = build_configuration(args, is_client=False, quic_logger=qlog)
    configuration.load_cert_chain(args.certificate, args.private_key)

    tickets: dict[bytes, SessionTicket] = {}
    live: set[FileServerProtocol] = set()
    faults = set(args.faults)
    max_streams = UNLIMITED_STREAMS if "unlimited-streams" in faults else args.max_streams_bidi
    protocol_class = type(
        "BoundFileServerProtocol",
        (FileServerProtocol,),
        {
            "www": www,
            "quiet": args.quiet,
            "live": live,
            "max_streams_bidi": max_streams,
            "truncate": "truncate" in faults,
            "trust_addresses": "trust-addresses" in faults,
            "stay_on_first_path": "stay-on-first-path" in faults,
        },
    )

    def fetch_ticket(label: bytes) -> SessionTicket | None:
        # A ticket is good for one resumption: 0-RTT data cannot be replayed.
        ticket = tickets.pop(label, None)
        return None if "forget-sessions" in faults else ticket

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        server = await listen(
            args.host,
            args.port,
            doorman,
            configuration=configuration,
            create_protocol=protocol_class,
            session_ticket_fetcher=fetch_ticket,
            session_ticket_handler=lambda ticket: tickets.__setitem__(ticket.ticket, ticket),
            retry=args.retry and "no-retry" not in faults,
        )
    except OSError as exc:
        files.close()
        fail(EXIT_FAILED, f"cannot listen on {args.host}:{args.port}: {exc}")
    print(f"listening on {args.host}:{args.port}, serving {www}", file=sys.stderr, flush=True)
    try:
        await stop.wait()
        # A connection its client already closed sends nothing more: its trace is
        # complete, so it is written now instead of after the draining period.
        for connection in [c for c in live if closed_by_peer(c._quic)]:
            live.discard(connection)
            trace = trace_of(connection._quic)
            if trace is not None:
                qlog.end_trace(trace)
        connections = list(live)
        for connection in connections:
            connection.close()
        if connections:
            await asyncio.wait(
                [asyncio.ensure_future(c.wait_closed()) for c in connections], timeout=SHUTDOWN_GRACE_SECONDS
            )
    finally:
        server.close()
        files.close()
    return EXIT_OK


def main(args: argparse.Namespace, doorman: Doorman | None = None) -> int:
    try:
        return asyncio.run(run_server(args, doorman))
    except Unsupported as exc:
        fail(EXIT_UNSUPPORTED, str(exc))
