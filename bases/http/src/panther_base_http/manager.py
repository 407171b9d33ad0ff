"""``BaseHTTPServiceManager``: what every HTTP implementation plugin shares.

Default port, the address to bind or reach, the document root, the HTTP versions
and whether they need TLS, the URL a client fetches, and the readiness probe.
"""

from __future__ import annotations

from typing import Any, ClassVar

from panther.services.manager import BaseServiceManager
from panther.services.readiness import ReadinessProbe

from panther_base_http.config import HTTPConfig
from panther_base_http.probe import http_readiness_probe

# Unprivileged, so a local run needs no root.
DEFAULT_PORT = 8080
DEFAULT_HOST = "127.0.0.1"


class BaseHTTPServiceManager(BaseServiceManager):
    """Base of HTTP implementation plugins (see the IUT development guide)."""

    config_class: ClassVar[type[HTTPConfig]] = HTTPConfig
    default_port: ClassVar[int] = DEFAULT_PORT

    def _http_config(self) -> HTTPConfig:
        config = self.config
        return config if isinstance(config, HTTPConfig) else HTTPConfig()

    def run_arguments(self, role: str) -> dict[str, Any]:
        """Every command gets ``host``, ``port``, ``http_versions``, ``tls``, ``scheme``
        and ``url`` (where a client starts); the deployment's values win."""
        arguments = super().run_arguments(role)
        config = self._http_config()
        arguments["port"] = arguments.get("port") or config.port or self.default_port
        arguments["host"] = arguments.get("host") or config.host or DEFAULT_HOST
        arguments.setdefault("http_versions", list(config.http_versions))
        arguments["tls"] = config.uses_tls()
        scheme = "https" if arguments["tls"] else "http"
        arguments.setdefault("scheme", scheme)
        host = arguments["host"]
        authority = f"[{host}]" if ":" in host else host
        arguments.setdefault("url", f"{scheme}://{authority}:{arguments['port']}/")
        return arguments

    def get_supported_features(self) -> dict[str, bool]:
        versions = self._http_config().http_versions
        return {"http/1.1": "http/1.1" in versions, "h2": "h2" in versions, "h3": "h3" in versions}

    def get_readiness_probe(self, host: str, port: int) -> ReadinessProbe | None:
        return http_readiness_probe(host, port, self._http_config().http_versions)
