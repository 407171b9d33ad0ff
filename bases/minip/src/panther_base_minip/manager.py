"""``BaseMinipServiceManager``: what every MINIP implementation plugin shares.

Default port 4443, the address to bind or reach, and the readiness probe; a plugin
adds only its binary and its flags.
"""

from __future__ import annotations

from typing import Any, ClassVar

from panther.services.manager import BaseServiceManager
from panther.services.readiness import ReadinessProbe

from panther_base_minip.config import MinipConfig
from panther_base_minip.probe import minip_probe
from panther_base_minip.wire import DEFAULT_PORT

DEFAULT_HOST = "127.0.0.1"


class BaseMinipServiceManager(BaseServiceManager):
    """Base of MINIP implementation plugins (see the IUT development guide)."""

    config_class: ClassVar[type[MinipConfig]] = MinipConfig
    default_port: ClassVar[int] = DEFAULT_PORT

    def run_arguments(self, role: str) -> dict[str, Any]:
        """Every command gets ``host`` and ``port``: the deployment's, else the
        implementation's keys, else the defaults (a context port of 0 is undecided)."""
        arguments = super().run_arguments(role)
        arguments["port"] = arguments.get("port") or getattr(self.config, "port", None) or self.default_port
        arguments["host"] = arguments.get("host") or getattr(self.config, "host", None) or DEFAULT_HOST
        return arguments

    def get_supported_features(self) -> dict[str, bool]:
        return {"minip_v1": True}

    def get_readiness_probe(self, host: str, port: int) -> ReadinessProbe | None:
        return minip_probe(host, port)
