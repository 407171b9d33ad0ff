"""panther-base-http: the HTTP protocol base of PANTHER.

``BaseHTTPServiceManager`` (on the TCP base: HTTP versions, TLS, key log, readiness
by version, checks of the recorded exchanges), ``HTTPConfig``, and the ``http``
protocol plugin ``HTTPProtocol`` (TLS material, files to serve, download checks).
"""

from panther_base_http.__about__ import __version__
from panther_base_http.config import HTTPConfig
from panther_base_http.exchanges import EXCHANGE_LOG, Exchange, read_exchanges
from panther_base_http.manager import DEFAULT_PORT, BaseHTTPServiceManager
from panther_base_http.probe import AllOfProbe, http_readiness_probe
from panther_base_http.protocol import HTTPProtocol, HTTPProtocolConfig
from panther_base_http.versions import ALPN, HTTP_VERSIONS, canonical_version, version_used

__all__ = [
    "__version__",
    "ALPN",
    "AllOfProbe",
    "BaseHTTPServiceManager",
    "DEFAULT_PORT",
    "EXCHANGE_LOG",
    "Exchange",
    "HTTPConfig",
    "HTTPProtocol",
    "HTTPProtocolConfig",
    "HTTP_VERSIONS",
    "canonical_version",
    "http_readiness_probe",
    "read_exchanges",
    "version_used",
]
