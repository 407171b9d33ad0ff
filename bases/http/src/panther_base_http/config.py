"""``HTTPConfig``: the ``implementation:`` keys every HTTP implementation accepts."""

from __future__ import annotations

from typing import Literal

import msgspec
from panther.config.implementation import ImplementationConfig

HTTPVersion = Literal["http/1.1", "h2", "h3"]
# Versions that run over TLS; h3 runs over QUIC, which always carries TLS.
TLS_VERSIONS = ("h2", "h3")


class HTTPConfig(ImplementationConfig, kw_only=True, forbid_unknown_fields=True):
    """Common HTTP parameters, handled once in the base.

    ``port``/``host`` apply when the network environment decides nothing; inside a
    test the environment's address wins. ``document_root`` is the folder a server
    serves (by default a per-test folder made by the ``http`` protocol plugin).
    """

    port: int | None = None
    host: str | None = None
    document_root: str | None = None
    http_versions: list[HTTPVersion] = msgspec.field(default_factory=lambda: ["http/1.1"])
    # TLS for HTTP/1.1 too (h2 and h3 always use it).
    tls: bool = False
    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None

    def uses_tls(self) -> bool:
        return self.tls or any(version in TLS_VERSIONS for version in self.http_versions)
