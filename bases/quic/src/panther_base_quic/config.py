"""``QUICConfig``: the ``implementation:`` keys every QUIC implementation accepts."""

from __future__ import annotations

from panther.config.implementation import ImplementationConfig


class QUICConfig(ImplementationConfig, kw_only=True, forbid_unknown_fields=True):
    """Common QUIC parameters of the IUT development guide, handled once in the base.

    ``port`` and ``host`` are used when the network environment decides nothing
    (a command generated outside a test); inside a test the environment's address
    wins, because that is where clients and readiness probes will look.
    ``cert_file``/``key_file``/``ca_file`` are the user's own TLS files; when they
    are absent the QUIC protocol plugin makes fresh ones for each test run.
    """

    port: int | None = None
    host: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None
    # Seconds: how long a handshake may take, and how long an idle connection lives.
    handshake_timeout: float = 10.0
    idle_timeout: float = 30.0
