"""The ``tcp`` protocol plugin: a protocol over TCP that needs nothing from the harness
but addresses and ports (no certificates, no files, no protocol-level checks)."""

from __future__ import annotations

from panther.plugins.manifest import register_plugin
from panther.protocols import BaseProtocol

from panther_base_tcp.__about__ import __version__
from panther_base_tcp.manager import DEFAULT_PORT


@register_plugin(
    plugin_type="protocol",
    name="tcp",
    version=__version__,
    description="Any protocol over TCP: addresses and TCP readiness, judged by how the services end",
    supported_protocols=["tcp"],
)
class TCPProtocol(BaseProtocol):
    name = "tcp"
    transport = "tcp"
    default_port = DEFAULT_PORT
