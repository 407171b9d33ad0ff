"""The ``http`` protocol plugin: document roots, TLS material and client URLs per test."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from panther.plugins.manifest import register_plugin
from panther.protocols import BaseProtocol, TestContext

from panther_base_http.__about__ import __version__
from panther_base_http.config import TLS_VERSIONS
from panther_base_http.manager import DEFAULT_PORT
from panther_base_http.tls import make_test_certificates

# Version names of ``protocol.version`` and the HTTP major version they mean.
HTTP_VERSIONS: Mapping[str, int] = MappingProxyType({"http/1.1": 1, "1.1": 1, "h2": 2, "2": 2, "h3": 3, "3": 3})
_TLS_MAJORS = (2, 3)


def _value(config: Any, key: str) -> Any:
    if isinstance(config, Mapping):
        return config.get(key)
    return getattr(config, key, None)


@register_plugin(
    plugin_type="protocol",
    name="http",
    version=__version__,
    description="HTTP/1.1, HTTP/2 and HTTP/3: document roots, TLS material, client URLs",
    supported_protocols=["http"],
)
class HTTPProtocol(BaseProtocol):
    name = "http"
    transport = "tcp"
    default_port = DEFAULT_PORT
    versions = HTTP_VERSIONS

    def prepare_test(self, test: TestContext) -> None:
        services = [
            service
            for name, service in test.services.items()
            if _value(test.protocol_configs.get(name), "name") in (None, self.name)
        ]
        tls_services = [service for service in services if self._needs_tls(test, service.name)]
        certificates = None
        if any(not self._user_tls(test, service.name) for service in tls_services):
            names = [service.name for service in services] + [service.host for service in services]
            certificates = make_test_certificates(test.output_dir / "tls", names, tls_services[0].name)
        for service in services:
            arguments: dict[str, Any] = {}
            folder = service.host_output_dir
            folder.mkdir(parents=True, exist_ok=True)
            implementation = test.implementation_configs.get(service.name)
            if service.role in ("server", "peer") and not _value(implementation, "document_root"):
                root = folder / "www"
                root.mkdir(exist_ok=True)
                arguments["document_root"] = service.service_path(root)
            if service in tls_services:
                arguments["tls"] = True
                if certificates is not None and not self._user_tls(test, service.name):
                    copy = certificates.copy_to(folder / "tls")
                    arguments.update(
                        cert_file=service.service_path(copy.cert_file),
                        key_file=service.service_path(copy.key_file),
                        ca_file=service.service_path(copy.ca_file),
                    )
            if service.role == "client":
                scheme = "https" if service in tls_services else "http"
                host = f"[{service.host}]" if ":" in service.host else service.host
                arguments["scheme"] = scheme
                arguments["url"] = f"{scheme}://{host}:{service.port}/"
            service.arguments.update(arguments)

    def _needs_tls(self, test: TestContext, name: str) -> bool:
        version = _value(test.protocol_configs.get(name), "version")
        if version is not None and HTTP_VERSIONS.get(str(version).lower()) in _TLS_MAJORS:
            return True
        service = test.services[name]
        # A client speaks TLS when its target does.
        for config_name in (name, service.target):
            implementation = test.implementation_configs.get(config_name) if config_name else None
            if _value(implementation, "tls") or any(
                version in TLS_VERSIONS for version in _value(implementation, "http_versions") or []
            ):
                return True
        return False

    @staticmethod
    def _user_tls(test: TestContext, name: str) -> bool:
        implementation = test.implementation_configs.get(name)
        return bool(_value(implementation, "cert_file") and _value(implementation, "key_file"))
