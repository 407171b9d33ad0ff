"""panther-base-http: the HTTP protocol base of PANTHER.

``BaseHTTPServiceManager`` (default port, document root, HTTP versions, TCP or QUIC
readiness), ``HTTPConfig`` and the ``http`` protocol plugin ``HTTPProtocol``.
"""

from panther_base_http.__about__ import __version__
from panther_base_http.config import HTTPConfig
from panther_base_http.manager import DEFAULT_PORT, BaseHTTPServiceManager
from panther_base_http.probe import AllOfProbe, http_readiness_probe
from panther_base_http.protocol import HTTPProtocol

__all__ = [
    "__version__",
    "AllOfProbe",
    "BaseHTTPServiceManager",
    "DEFAULT_PORT",
    "HTTPConfig",
    "HTTPProtocol",
    "http_readiness_probe",
]
