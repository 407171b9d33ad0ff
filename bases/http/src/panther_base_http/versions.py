"""HTTP versions: the names an experiment uses, what each needs, and how logs spell them.

``protocol.version`` is ``http/1.1``, ``h2`` or ``h3`` (``1.1``, ``2`` and ``3`` are
accepted too). h2 and h3 always run over TLS (h2 is negotiated by ALPN; h3 runs over
QUIC, which carries TLS); HTTP/1.1 runs over TLS when the test says ``tls: true``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

HTTP1, HTTP2, HTTP3 = "http/1.1", "h2", "h3"
DEFAULT_VERSION = HTTP1

#: ``protocol.version`` values and the HTTP major version each means.
HTTP_VERSIONS: Mapping[str, int] = MappingProxyType({HTTP1: 1, "1.1": 1, HTTP2: 2, "2": 2, HTTP3: 3, "3": 3})
_CANONICAL = {1: HTTP1, 2: HTTP2, 3: HTTP3}

#: Versions that always run over TLS.
TLS_VERSIONS = (HTTP2, HTTP3)

#: The ALPN protocol ID (RFC 7301) of each version, as a TLS handshake offers it.
ALPN = MappingProxyType({HTTP1: "http/1.1", HTTP2: "h2", HTTP3: "h3"})

# How servers and clients write the version they used: nginx "HTTP/2.0", curl "2",
# Python ASGI servers "2", httpx "HTTP/2".
_SPELLINGS = {
    "http/1.0": "http/1.0",
    "1.0": "http/1.0",
    "1": "http/1.0",
    "http/1.1": HTTP1,
    "1.1": HTTP1,
    "http/2": HTTP2,
    "http/2.0": HTTP2,
    "2": HTTP2,
    "2.0": HTTP2,
    "h2": HTTP2,
    "h2c": HTTP2,
    "http/3": HTTP3,
    "http/3.0": HTTP3,
    "3": HTTP3,
    "3.0": HTTP3,
    "h3": HTTP3,
}


def canonical_version(name: str | None) -> str:
    """The canonical name (``http/1.1``, ``h2``, ``h3``) of a ``protocol.version`` value."""
    if name is None:
        return DEFAULT_VERSION
    return _CANONICAL[HTTP_VERSIONS[str(name).lower()]]


def version_used(spelling: object) -> str | None:
    """The canonical name of a version as a log writes it, or None when unrecognisable."""
    return _SPELLINGS.get(str(spelling).strip().lower())
