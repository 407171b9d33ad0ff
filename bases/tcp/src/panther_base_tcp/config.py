"""``TCPConfig``: the ``implementation:`` keys every TCP implementation accepts."""

from __future__ import annotations

from panther.config.implementation import ImplementationConfig


class TCPConfig(ImplementationConfig, kw_only=True, forbid_unknown_fields=True):
    """Where a server listens (or a client connects) when no test decides it.

    Inside a test the network environment's address wins: it is where clients and
    readiness probes look.
    """

    port: int | None = None
    host: str | None = None
