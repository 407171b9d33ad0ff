"""panther-base-tcp: the generic TCP base of PANTHER.

``BaseTCPServiceManager`` (default port, the address to listen on or reach, TCP
readiness), its configuration ``TCPConfig``, and the ``tcp`` protocol plugin
``TCPProtocol`` for experiments whose protocol has no plugin of its own.
"""

from panther_base_tcp.__about__ import __version__
from panther_base_tcp.config import TCPConfig
from panther_base_tcp.manager import DEFAULT_HOST, DEFAULT_PORT, BaseTCPServiceManager
from panther_base_tcp.protocol import TCPProtocol

__all__ = ["__version__", "BaseTCPServiceManager", "DEFAULT_HOST", "DEFAULT_PORT", "TCPConfig", "TCPProtocol"]
