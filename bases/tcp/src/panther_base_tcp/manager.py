"""``BaseTCPServiceManager``: what every implementation of a protocol over TCP shares.

The address every command gets (the deployment's, else the ``implementation:`` keys,
else the defaults) and readiness as the guide defines it for TCP: a server is ready
when a TCP connection to its address succeeds. Protocol bases over TCP (HTTP) and
plugins of protocols that have no base build on it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from panther.services.manager import BaseServiceManager
from panther.services.readiness import ReadinessProbe, TcpConnectProbe

from panther_base_tcp.config import TCPConfig

# Unprivileged, so a local run needs no root.
DEFAULT_PORT = 9000
DEFAULT_HOST = "127.0.0.1"


class BaseTCPServiceManager(BaseServiceManager):
    """Base of implementation plugins whose servers listen on TCP."""

    config_class: ClassVar[type[TCPConfig]] = TCPConfig
    #: Where a server listens when neither the test nor the configuration says.
    default_port: ClassVar[int] = DEFAULT_PORT

    def run_arguments(self, role: str) -> dict[str, Any]:
        """Every command gets ``host`` and ``port``: the deployment's, else the
        implementation's keys, else the defaults (a context port of 0 is undecided)."""
        arguments = super().run_arguments(role)
        arguments["port"] = arguments.get("port") or getattr(self.config, "port", None) or self.default_port
        arguments["host"] = arguments.get("host") or getattr(self.config, "host", None) or DEFAULT_HOST
        return arguments

    def get_readiness_probe(self, host: str, port: int) -> ReadinessProbe | None:
        return TcpConnectProbe(host, port)
