"""The protocols the guide's YAML examples name: ``quic`` and ``your_protocol``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from panther import BaseProtocol, register_plugin


@register_plugin(plugin_type="protocol", name="quic", description="QUIC (RFC 9000), names only")
class QuicProtocol(BaseProtocol):
    name = "quic"
    transport = "udp"
    default_port = 4443
    # Version names and their wire values (RFC 9000; draft 29).
    versions: ClassVar[Mapping[str, int]] = {"rfc9000": 0x00000001, "draft29": 0xFF00001D}


@register_plugin(plugin_type="protocol", name="your_protocol", description="The guide's custom protocol")
class YourProtocol(BaseProtocol):
    name = "your_protocol"
    transport = "tcp"
    default_port = 9999
    versions: ClassVar[Mapping[str, int]] = {"1.0": 1}
