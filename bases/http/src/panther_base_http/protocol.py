"""The ``http`` protocol plugin: what an HTTP test exchanges and how it is judged.

Before the services start it decides, from each service's ``protocol.version``
(``http/1.1``, ``h2``, ``h3``) and ``tls``, which versions each server serves and
whether over TLS; it makes the test's TLS material (a server's key stays in the
servers' folders), the files each server serves, and every service's arguments.
After they end it checks that every file arrived byte for byte; each service's
manager checks the status and version of the exchanges it recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from panther.plugins.manifest import register_plugin
from panther.protocols import BaseProtocol, TestContext
from panther.services.context import ServiceContext
from panther.services.outcome import EXIT_UNSUPPORTED, Check, ServiceOutcome
from panther.transfer import TransferFile, TransferProtocolConfig, agreed_transfer_plan, check_download, write_files
from panther_base_quic.certificates import CertificateSet, make_certificates

from panther_base_http.__about__ import __version__
from panther_base_http.exchanges import EXCHANGE_LOG
from panther_base_http.manager import DEFAULT_PORT
from panther_base_http.versions import ALPN, HTTP3, HTTP_VERSIONS, TLS_VERSIONS, canonical_version


class HTTPProtocolConfig(TransferProtocolConfig, kw_only=True, forbid_unknown_fields=True):
    """The ``protocol:`` keys of an HTTP service beyond name, version, role, target,
    and the files to transfer (``transfer``, ``seed``)."""

    # HTTP/1.1 over TLS (h2 and h3 always use TLS). On a client, asks its server for it.
    tls: bool = False

    @property
    def transport(self) -> str:
        """h3 runs over QUIC (UDP), the other versions over TCP."""
        return "udp" if self.version is not None and canonical_version(self.version) == HTTP3 else "tcp"


def _value(config: Any, key: str) -> Any:
    if isinstance(config, Mapping):
        return config.get(key)
    return getattr(config, key, None)


def _authority(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@register_plugin(
    plugin_type="protocol",
    name="http",
    version=__version__,
    description="HTTP/1.1, HTTP/2 and HTTP/3: TLS by version, files to serve, byte-for-byte downloads",
    supported_protocols=["http"],
)
class HTTPProtocol(BaseProtocol):
    name = "http"
    transport = "tcp"
    default_port = DEFAULT_PORT
    config_class = HTTPProtocolConfig
    versions = HTTP_VERSIONS

    # ------------------------------------------------------------------ preparation
    def prepare_test(self, test: TestContext) -> None:
        services = self._http_services(test)
        plan = self._transfer_plan(test, services)
        served = self._served_versions(test, services)
        tls = {service.name: self._uses_tls(test, service, served) for service in services}
        generated = self._generated_certificates(test, [s for s in services if tls[s.name]])
        for service in services:
            folder = service.host_output_dir
            folder.mkdir(parents=True, exist_ok=True)
            version = self._version(test, service.name)
            scheme = "https" if tls[service.name] else "http"
            arguments: dict[str, Any] = {
                "http_version": version,
                "http_versions": served.get(service.name, [version]),
                "tls": tls[service.name],
                "scheme": scheme,
                "url": f"{scheme}://{_authority(service.host, service.port)}/",
                "exchange_log": service.service_path(folder / EXCHANGE_LOG),
            }
            if tls[service.name]:
                arguments["alpn"] = ALPN[version]
                arguments["keylog_file"] = service.service_path(folder / "keys.log")
                arguments.update(self._tls_files(test, service, generated))
            if service.role in ("server", "peer"):
                www = folder / "www"
                write_files(www, plan)
                arguments["document_root"] = service.service_path(www)
            if service.role == "client":
                downloads = folder / "downloads"
                downloads.mkdir(exist_ok=True)
                arguments["urls"] = [f"{arguments['url']}{item.name}" for item in plan]
                arguments["download_dir"] = service.service_path(downloads)
                arguments["expected_files"] = [item.name for item in plan]
            service.arguments.update(arguments)

    def _http_services(self, test: TestContext) -> list[ServiceContext]:
        return [
            service
            for name, service in test.services.items()
            if _value(test.protocol_configs.get(name), "name") in (None, self.name)
        ]

    def _transfer_plan(self, test: TestContext, services: list[ServiceContext]) -> list[TransferFile]:
        return agreed_transfer_plan(test.protocol_configs, [service.name for service in services])

    @staticmethod
    def _version(test: TestContext, name: str) -> str:
        return canonical_version(_value(test.protocol_configs.get(name), "version"))

    def _served_versions(self, test: TestContext, services: list[ServiceContext]) -> dict[str, list[str]]:
        """Each server serves its own version and those of the clients that target it."""
        served: dict[str, list[str]] = {}
        for service in services:
            if service.role != "client":
                served.setdefault(service.name, []).insert(0, self._version(test, service.name))
        for service in services:
            if service.role == "client" and service.target in served:
                versions = served[service.target]
                version = self._version(test, service.name)
                if version not in versions:
                    versions.append(version)
        return served

    def _uses_tls(self, test: TestContext, service: ServiceContext, served: dict[str, list[str]]) -> bool:
        """A server uses TLS when a version it serves needs it or one of its services asks
        ``tls: true``; a client speaks TLS exactly when its server does."""
        if service.role == "client" and service.target in served:
            server = test.services[service.target]
            return self._uses_tls(test, server, served)
        names = [service.name] + [
            other.name for other in test.services.values() if other.role == "client" and other.target == service.name
        ]
        versions = served.get(service.name, [self._version(test, service.name)])
        return any(version in TLS_VERSIONS for version in versions) or any(
            bool(_value(test.protocol_configs.get(name), "tls")) for name in names
        )

    @staticmethod
    def _user_tls(test: TestContext, name: str) -> bool:
        implementation = test.implementation_configs.get(name)
        return bool(_value(implementation, "cert_file") and _value(implementation, "key_file"))

    def _generated_certificates(self, test: TestContext, services: list[ServiceContext]) -> CertificateSet | None:
        if all(self._user_tls(test, service.name) for service in services):
            return None
        names = [service.name for service in services] + [service.host for service in services]
        return make_certificates(test.output_dir / "tls", names)

    def _tls_files(
        self, test: TestContext, service: ServiceContext, generated: CertificateSet | None
    ) -> dict[str, str | None]:
        own = test.implementation_configs.get(service.name)
        target = test.implementation_configs.get(service.target) if service.target else None
        user_ca = _value(own, "ca_file") or _value(target, "ca_file")
        if self._user_tls(test, service.name):
            return {
                "cert_file": str(_value(own, "cert_file")),
                "key_file": str(_value(own, "key_file")),
                "ca_file": str(user_ca) if user_ca else None,
            }
        assert generated is not None  # made whenever a TLS service lacks its own files
        files = generated.files_for(service)
        return {**files, "ca_file": str(user_ca)} if user_ca else files

    # ------------------------------------------------------------------ verdict
    def evaluate_test(self, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        services = self._http_services(test)
        plan = self._transfer_plan(test, services)
        checks: list[Check] = []
        for service in services:
            outcome = outcomes.get(service.name)
            # A client that never ran, or said it cannot do what the test asks, is
            # judged by its own exit check; missing files would only repeat it.
            if service.role != "client" or (
                outcome is not None and (outcome.exit_code == EXIT_UNSUPPORTED or outcome.start_error is not None)
            ):
                continue
            downloads = service.host_output_dir / "downloads"
            checks.extend(check_download(service.name, item, downloads) for item in plan)
        return checks
