"""The HTTP layer both endpoints put on a QUIC connection: HTTP/0.9 for ALPN
``hq-interop``, HTTP/3 for ``h3``, chosen by what the handshake negotiated.

Subclasses (the server's and the client's connection protocols) receive HTTP
events, stream resets and the connection's end through three hooks.
"""

from __future__ import annotations

from typing import Any

from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h0.connection import H0Connection
from aioquic.h3.connection import H3Connection
from aioquic.h3.events import H3Event
from aioquic.quic.events import (
    ConnectionTerminated,
    HandshakeCompleted,
    ProtocolNegotiated,
    QuicEvent,
    StreamReset,
)

from panther_iut_aioquic.endpoint import ALPN_H3
from panther_iut_aioquic.qlog import record_handshake

HttpConnection = H0Connection | H3Connection


class HttpEndpointProtocol(QuicConnectionProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.http: HttpConnection | None = None
        self.alpn: str | None = None
        self.handshake: HandshakeCompleted | None = None
        self.termination: ConnectionTerminated | None = None

    def use_alpn(self, alpn: str) -> HttpConnection:
        """Put the HTTP layer for ``alpn`` on the connection (once)."""
        if self.http is None:
            self.alpn = alpn
            self.http = H3Connection(self._quic) if alpn == ALPN_H3 else H0Connection(self._quic)
        return self.http

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, ProtocolNegotiated) and event.alpn_protocol is not None:
            self.use_alpn(event.alpn_protocol)
        elif isinstance(event, HandshakeCompleted):
            self.handshake = event
            record_handshake(self._quic, event.alpn_protocol)
            self.handshake_completed(event)
        elif isinstance(event, StreamReset):
            self.stream_reset(event.stream_id, event.error_code)
        elif isinstance(event, ConnectionTerminated):
            self.termination = event
            self.connection_ended(event)
        if self.http is not None:
            for http_event in self.http.handle_event(event):
                self.http_event_received(http_event)

    # ----------------------------------------------------------- hooks
    def handshake_completed(self, event: HandshakeCompleted) -> None:
        """The TLS handshake is over."""

    def http_event_received(self, event: H3Event) -> None:
        """Headers or data arrived on a request stream."""

    def stream_reset(self, stream_id: int, error_code: int) -> None:
        """The peer abandoned a stream."""

    def connection_ended(self, event: ConnectionTerminated) -> None:
        """The connection is over (closed by either side, or timed out)."""
