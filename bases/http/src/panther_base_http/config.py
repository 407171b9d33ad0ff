"""``HTTPConfig``: the ``implementation:`` keys every HTTP implementation accepts."""

from __future__ import annotations

from panther_base_tcp import TCPConfig


class HTTPConfig(TCPConfig, kw_only=True, forbid_unknown_fields=True):
    """Common HTTP parameters, handled once in the base.

    ``port``/``host`` (from the TCP base) apply when the network environment decides
    nothing. ``cert_file``/``key_file``/``ca_file`` are a server owner's own TLS files;
    without them the ``http`` protocol plugin makes fresh ones for each test. What the
    test exchanges (HTTP version, TLS, files) is the ``protocol:`` block's business.
    """

    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None
