"""``AioquicConfig``: the ``implementation:`` keys of the aioquic plugin."""

from __future__ import annotations

from typing import Literal

from panther_base_quic import QUICConfig

from panther_iut_aioquic.faults import Fault


class AioquicConfig(QUICConfig, kw_only=True, forbid_unknown_fields=True):
    """What the aioquic endpoints can be asked beyond the QUIC base's keys.

    ALPN and QUIC version come from the test's ``protocol:`` block; certificates,
    key log and qlog folders from the QUIC protocol plugin.
    """

    # TLS 1.3 suites to offer or accept, e.g. ["CHACHA20_POLY1305_SHA256"]; empty: aioquic's default.
    cipher_suites: list[str] = []
    congestion_control: Literal["reno", "cubic"] = "reno"
    # Flow-control windows in bytes (connection, then each stream).
    max_data: int = 16 * 1024 * 1024
    max_stream_data: int = 8 * 1024 * 1024
    # Client: reconnect once with the first connection's session ticket.
    resume: bool = False
    # Client: send the resumed connection's requests as 0-RTT data (implies resume).
    zero_rtt: bool = False
    # Client: update the 1-RTT keys once the handshake is confirmed.
    key_update: bool = False
    # Client: fetch each file over a connection of its own, one after the other.
    connection_per_file: bool = False
    # Client: seconds after the handshake to move the connection to a new local port.
    migrate_after: float | None = None
    # Server: validate client addresses with a Retry packet first.
    retry: bool = False
    # Server: bidirectional streams a client may open at first (None: aioquic's 128).
    max_streams_bidi: int | None = None
    # Client: the name to verify in the server's certificate (default: the server's address).
    server_name: str | None = None
    # Print only errors and summaries.
    quiet: bool = False
    # Misbehave on purpose, to test a tester (panther_iut_aioquic.faults); never for a real test.
    faults: list[Fault] = []
