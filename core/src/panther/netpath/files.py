"""The folder a network path leaves in a test's folder: the contract its readers code against.

``<test folder>/path/`` holds ``client.pcap`` (the client's leg: datagrams as the
clients sent and received them), ``server.pcap`` (the server's leg: what the servers
received and sent, after impairment), both libpcap with LINKTYPE_RAW, and
``path.json`` (settings, seed, counters, events; see :mod:`panther.netpath.record`).
Protocol and tester plugins find it as ``TestContext.network_path``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PATH_FOLDER = "path"
CLIENT_PCAP = "client.pcap"
SERVER_PCAP = "server.pcap"
PATH_JSON = "path.json"
#: What the relay was asked to do (written by the environment, read by the relay).
RELAY_SPEC = "relay.json"
#: The relay's own output (its errors, if any).
RELAY_LOG = "relay.log"


@dataclass(frozen=True)
class PathRoute:
    """The clients of one server reach it through the path: they send to ``relay``,
    the server listens on ``server`` and sees them come from the path's addresses."""

    server: str
    clients: tuple[str, ...]
    relay: tuple[str, int]
    target: tuple[str, int]


@dataclass(frozen=True)
class NetworkPath:
    """Where a test's path records: the folder and its three files, and its routes.

    The files are complete once the runner has ended the path (before any verdict);
    the client leg of a route uses the ``relay`` port, the server leg the ``target`` port
    (``tshark -d udp.port==<port>,quic``).
    """

    folder: Path
    routes: tuple[PathRoute, ...] = field(default=())

    @property
    def client_pcap(self) -> Path:
        return self.folder / CLIENT_PCAP

    @property
    def server_pcap(self) -> Path:
        return self.folder / SERVER_PCAP

    @property
    def path_json(self) -> Path:
        return self.folder / PATH_JSON

    def route_of(self, service: str) -> PathRoute | None:
        """The route a client or server service takes part in."""
        for route in self.routes:
            if service == route.server or service in route.clients:
                return route
        return None
