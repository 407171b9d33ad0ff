"""The ``minip`` protocol plugin: MINIP's transport, port, version and test parameters."""

from __future__ import annotations

from types import MappingProxyType
from typing import Annotated, Any

import msgspec
from panther.config.models import ProtocolConfig
from panther.plugins.manifest import register_plugin
from panther.protocols import BaseProtocol, TestContext

from panther_base_minip.__about__ import __version__
from panther_base_minip.wire import DEFAULT_PORT, MAX_PAYLOAD, VERSION

DEFAULT_COUNT = 5
DEFAULT_PAYLOAD_SIZE = 16


class MinipProtocolConfig(ProtocolConfig, kw_only=True, forbid_unknown_fields=True):
    """The ``protocol:`` keys of a MINIP service beyond name, version, role and target."""

    # How many PINGs each client sends (sequence numbers 1..count).
    count: Annotated[int, msgspec.Meta(ge=1)] = DEFAULT_COUNT
    # Payload bytes in each PING.
    payload_size: Annotated[int, msgspec.Meta(ge=0, le=MAX_PAYLOAD)] = DEFAULT_PAYLOAD_SIZE


@register_plugin(
    plugin_type="protocol",
    name="minip",
    version=__version__,
    description="MINIP: the ping-pong protocol over UDP",
    supported_protocols=["minip"],
)
class MinipProtocol(BaseProtocol):
    name = "minip"
    transport = "udp"
    default_port = DEFAULT_PORT
    config_class = MinipProtocolConfig
    versions = MappingProxyType({"1": VERSION, "v1": VERSION})

    def prepare_test(self, test: TestContext) -> None:
        """Hand each client the number and size of PINGs its ``protocol:`` block asks for,
        and each server the number of PINGs its clients will send (``count``)."""
        for service in test.services_with_role("client"):
            config: Any = test.protocol_configs.get(service.name)
            service.arguments.setdefault("count", getattr(config, "count", DEFAULT_COUNT))
            service.arguments.setdefault("payload_size", getattr(config, "payload_size", DEFAULT_PAYLOAD_SIZE))
        for server in test.services_with_role("server"):
            clients = [client for client in test.services_with_role("client") if client.target == server.name]
            if clients:
                server.arguments.setdefault("count", sum(client.arguments["count"] for client in clients))
