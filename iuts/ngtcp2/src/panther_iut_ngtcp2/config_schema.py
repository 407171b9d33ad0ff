"""``Ngtcp2Config``: the ``implementation:`` keys of the ngtcp2 plugin."""

from __future__ import annotations

from typing import Literal

from panther_base_quic import QUICConfig


class Ngtcp2Config(QUICConfig, kw_only=True, forbid_unknown_fields=True):
    """What gtlsserver/gtlsclient can be asked beyond the QUIC base's keys.

    ALPN and QUIC version come from the test's ``protocol:`` block; certificates,
    key log and qlog folders from the QUIC protocol plugin. ``binary_path`` names
    the program of the service's role (gtlsserver or gtlsclient).
    """

    # TLS 1.3 suites, e.g. ["CHACHA20_POLY1305_SHA256"]; empty: the programs' default.
    cipher_suites: list[str] = []
    congestion_control: Literal["cubic", "reno", "bbr", "bbr2"] = "cubic"
    # Client: update the 1-RTT keys right after the handshake.
    key_update: bool = False
    # Client: files gtlsclient reads and writes to resume a session (and send 0-RTT)
    # across two runs: --session-file and --tp-file.
    session_file: str | None = None
    transport_params_file: str | None = None
    # Client: move the connection to a new local address (a new port) this many
    # seconds after the handshake: --change-local-addr (an active migration).
    change_local_address: float | None = None
    # Server: validate client addresses (Retry).
    retry: bool = False
