"""The ``quic`` protocol plugin: what a QUIC test exchanges and how it is judged.

Once per experiment (before any test's clock starts) it makes a CA, a server
certificate for the names the experiment's services have, and the files to serve.
Before a test's services start it gives each of them copies (the files as links),
issues a certificate of the same CA when the test reaches its server by another
name, and makes every service's QUIC arguments (TLS files, key log, qlog folder, ALPN,
version, URLs to fetch and where to put them). After they end it checks that every
file arrived byte for byte, and that the handshakes used the requested version and
ALPN as far as the services' qlog files tell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from panther.config.errors import ConfigError
from panther.plugins.manifest import register_plugin
from panther.protocols import BaseProtocol, TestContext
from panther.services.context import ServiceContext
from panther.services.outcome import EXIT_UNSUPPORTED, Check, ServiceOutcome
from panther.transfer import (
    TransferFile,
    TransferProtocolConfig,
    agreed_transfer_plan,
    check_downloads,
    configured_plan,
    write_files,
)

from panther_base_quic.__about__ import __version__
from panther_base_quic.cases import TestCaseName, quic_test_case
from panther_base_quic.certificates import (
    CertificateAuthority,
    CertificateSet,
    certificate_names,
    issue_certificates,
    make_authority,
    make_certificates,
)
from panther_base_quic.manager import DEFAULT_ALPN, DEFAULT_PORT
from panther_base_quic.qlog import HandshakeEvidence, read_handshake_evidence
from panther_base_quic.versions import DEFAULT_VERSION, QUIC_VERSIONS, quic_version_wire, version_names

if TYPE_CHECKING:
    from panther.config.resolved import ResolvedTest


class QUICProtocolConfig(TransferProtocolConfig, kw_only=True, forbid_unknown_fields=True):
    """The ``protocol:`` keys of a QUIC service beyond name, version, role, target,
    and the files to transfer (``transfer``, ``seed``)."""

    # A QUIC test case (panther_base_quic.cases): what the services are asked to do.
    test_case: TestCaseName | None = None
    # Default: the test case's ALPN, else hq-interop.
    alpn: str | None = None
    # Default: the test case's files, else those of every protocol that moves files.
    transfer: list[Annotated[int, msgspec.Meta(gt=0)]] | None = None  # type: ignore[assignment]
    # Whether clients verify the server's certificate (against the test's CA).
    verify_peer: bool = True

    def __post_init__(self) -> None:
        if self.transfer is not None:
            super().__post_init__()


def _config_value(config: Any, key: str) -> Any:
    if isinstance(config, Mapping):
        return config.get(key)
    return getattr(config, key, None)


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _describe_version(wire: int) -> str:
    names = version_names(wire)
    return f"{wire:#010x} ({'/'.join(names)})" if names else f"{wire:#010x}"


@register_plugin(
    plugin_type="protocol",
    name="quic",
    version=__version__,
    description="QUIC (RFC 9000): certificates, file transfer, version and ALPN checks",
    supported_protocols=["quic"],
)
class QUICProtocol(BaseProtocol):
    name = "quic"
    transport = "udp"
    default_port = DEFAULT_PORT
    config_class = QUICProtocolConfig
    versions = QUIC_VERSIONS

    #: Made by prepare_experiment: the run's CA, a certificate it issued, the names
    #: that certificate answers to, and the folder of the files to serve (per seed).
    _authority: CertificateAuthority | None = None
    _shared_certificates: CertificateSet | None = None
    _shared_names: frozenset[str] = frozenset()
    _made_files: Path | None = None

    # ------------------------------------------------------------------ preparation
    def prepare_experiment(self, tests: Sequence[ResolvedTest], folder: Path) -> None:
        """One CA and server certificate and one copy of each file to serve for the whole run.

        A fresh CA per run, not per test: keys are made outside a test's clock,
        and tests of one run trust one another's servers, which changes nothing
        (each client reaches only its own server's port or container). The CA's
        key stays in memory; certificates for other names are issued from it.
        """
        names: set[str] = set()
        needs_certificates = False
        files: dict[int, dict[str, TransferFile]] = {}
        for test in tests:
            for name, service in test.services.items():
                if _config_value(service.protocol, "name") not in (None, self.name):
                    continue
                names.add(name)
                config = service.implementation
                if not (_config_value(config, "cert_file") and _config_value(config, "key_file")):
                    needs_certificates = True
                for item in self._service_plan(service.protocol):
                    files.setdefault(item.seed, {})[item.name] = item
        for seed, made in sorted(files.items()):
            write_files(folder / "files" / f"seed-{seed}", made.values())
        self._made_files = folder / "files"
        if needs_certificates:
            self._authority = make_authority(folder / "tls")
            self._shared_certificates = issue_certificates(self._authority, folder / "tls", sorted(names))
            self._shared_names = certificate_names(names)

    def prepare_test(self, test: TestContext) -> None:
        services = self._quic_services(test)
        case_name = self._test_case(test, services)
        case = quic_test_case(case_name) if case_name else None
        plan = self._transfer_plan(test, services)
        generated = self._generated_certificates(test, services, case.certificate_bytes if case else 0)
        for service in services:
            config = test.protocol_configs[service.name]
            version = _config_value(config, "version") or (case.version if case else DEFAULT_VERSION)
            try:
                wire = quic_version_wire(version)
            except ConfigError as error:
                error.path = f"services.{service.name}.protocol.version"
                raise
            folder = service.host_output_dir
            folder.mkdir(parents=True, exist_ok=True)
            qlog_dir = folder / "qlog"
            qlog_dir.mkdir(exist_ok=True)
            tls = self._service_certificates(test, service, generated)
            arguments: dict[str, Any] = {
                "cert_file": tls["cert_file"],
                "key_file": tls["key_file"],
                "ca_file": tls["ca_file"],
                "keylog_file": service.service_path(folder / "keys.log"),
                "qlog_dir": service.service_path(qlog_dir),
                "alpn": _config_value(config, "alpn") or (case and case.alpn) or DEFAULT_ALPN,
                "quic_version": version,
                "quic_version_wire": wire,
                "verify_peer": _config_value(config, "verify_peer") is not False,
            }
            if case_name:
                arguments["test_case"] = case_name
            if service.role in ("server", "peer"):
                www = folder / "www"
                seed = plan[0].seed if plan else 0
                write_files(www, plan, self._made_files / f"seed-{seed}" if self._made_files else None)
                arguments["www_dir"] = service.service_path(www)
            if service.role == "client":
                downloads = folder / "downloads"
                downloads.mkdir(exist_ok=True)
                base = f"https://{_url_host(service.host)}:{service.port}"
                arguments["urls"] = [f"{base}/{item.name}" for item in plan]
                arguments["download_dir"] = service.service_path(downloads)
                arguments["expected_files"] = [item.name for item in plan]
            service.arguments.update(arguments)

    def _quic_services(self, test: TestContext) -> list[ServiceContext]:
        return [
            service
            for name, service in test.services.items()
            if _config_value(test.protocol_configs.get(name), "name") in (None, self.name)
        ]

    def _test_case(self, test: TestContext, services: list[ServiceContext]) -> str | None:
        """The test case the services name; they must all name the same one."""
        named = {service.name: _config_value(test.protocol_configs[service.name], "test_case") for service in services}
        cases = {case for case in named.values() if case}
        if len(cases) > 1:
            listed = ", ".join(f"{name}: {case}" for name, case in named.items())
            raise ConfigError(
                "the services of one test name different QUIC test cases",
                path="services.*.protocol.test_case",
                expected="one test case for every service",
                found=listed,
            )
        return cases.pop() if cases else None

    @staticmethod
    def _service_plan(config: Any) -> list[TransferFile]:
        """The files a service's block asks for: its ``transfer`` key, else its test case's."""
        case = _config_value(config, "test_case")
        if _config_value(config, "transfer") is None and case:
            return quic_test_case(case).files.plan(int(_config_value(config, "seed") or 0))
        return configured_plan(config)

    def _transfer_plan(self, test: TestContext, services: list[ServiceContext]) -> list[TransferFile]:
        return agreed_transfer_plan(
            test.protocol_configs, [service.name for service in services], plan_of=self._service_plan
        )

    def _generated_certificates(
        self, test: TestContext, services: list[ServiceContext], min_bytes: int = 0
    ) -> CertificateSet | None:
        """The test's certificate: the run's shared one, or one of its own for other names
        or for a case that asks for a large certificate (``min_bytes`` of DER)."""
        if all(self._user_tls(test, service.name) for service in services):
            return None
        names = [service.name for service in services] + [service.host for service in services]
        shared = self._shared_certificates
        if shared is not None and not min_bytes and certificate_names(names) <= self._shared_names:
            return shared
        if self._authority is not None:
            return issue_certificates(self._authority, test.output_dir / "tls", names, min_bytes=min_bytes)
        return make_certificates(test.output_dir / "tls", names, min_bytes=min_bytes)

    @staticmethod
    def _user_tls(test: TestContext, name: str) -> bool:
        config = test.implementation_configs.get(name)
        return bool(_config_value(config, "cert_file") and _config_value(config, "key_file"))

    def _service_certificates(
        self, test: TestContext, service: ServiceContext, generated: CertificateSet | None
    ) -> dict[str, str | None]:
        own = test.implementation_configs.get(service.name)
        target_config = test.implementation_configs.get(service.target) if service.target else None
        user_ca = _config_value(own, "ca_file") or _config_value(target_config, "ca_file")
        if self._user_tls(test, service.name):
            return {
                "cert_file": str(_config_value(own, "cert_file")),
                "key_file": str(_config_value(own, "key_file")),
                "ca_file": str(user_ca) if user_ca else None,
            }
        assert generated is not None  # made whenever a service lacks its own files
        files = generated.files_for(service)
        return {**files, "ca_file": str(user_ca)} if user_ca else files

    # ------------------------------------------------------------------ verdict
    def evaluate_test(self, test: TestContext, outcomes: Mapping[str, ServiceOutcome]) -> list[Check]:
        services = self._quic_services(test)
        plan = self._transfer_plan(test, services)
        # A service that never ran, or said it cannot do what the test asks, is
        # judged by its own exit check; missing files would only repeat it as a failure.
        judged = [service for service in services if not _did_not_take_part(outcomes.get(service.name))]
        checks: list[Check] = []
        for service in judged:
            if service.role == "client":
                downloads = service.host_output_dir / "downloads"
                checks.extend(check_downloads(service.name, plan, downloads))
        for service in judged:
            checks.extend(self._handshake_checks(test, service))
        return checks

    def _handshake_checks(self, test: TestContext, service: ServiceContext) -> list[Check]:
        config = test.protocol_configs[service.name]
        arguments = service.arguments
        wanted_version = int(arguments.get("quic_version_wire") or quic_version_wire(_config_value(config, "version")))
        wanted_alpn = arguments.get("alpn") or _config_value(config, "alpn") or DEFAULT_ALPN
        qlog_dir = service.host_output_dir / "qlog"
        evidence = read_handshake_evidence(qlog_dir)
        version_check = f"{service.name} QUIC version"
        alpn_check = f"{service.name} ALPN"
        if not evidence.files:
            reason = f"no qlog file in {qlog_dir}: not verified"
            return [
                Check(name=version_check, status="skipped", reason=reason, evidence=[str(qlog_dir)]),
                Check(name=alpn_check, status="skipped", reason=reason, evidence=[str(qlog_dir)]),
            ]
        return [
            self._version_check(version_check, wanted_version, evidence),
            self._alpn_check(alpn_check, wanted_alpn, evidence),
        ]

    @staticmethod
    def _source(evidence: HandshakeEvidence) -> str:
        return f"source: qlog, {len(evidence.files)} file(s)"

    def _version_check(self, name: str, wanted: int, evidence: HandshakeEvidence) -> Check:
        files = [str(path) for path in evidence.files]
        seen = evidence.versions
        if not seen:
            return Check(
                name=name,
                status="skipped",
                reason=f"the qlog records no QUIC version ({self._source(evidence)})",
                evidence=files,
            )
        if seen == {wanted}:
            return Check(
                name=name,
                status="passed",
                reason=f"handshake used {_describe_version(wanted)} ({self._source(evidence)})",
                evidence=files,
            )
        used = ", ".join(_describe_version(version) for version in sorted(seen))
        return Check(
            name=name,
            status="failed",
            reason=f"expected {_describe_version(wanted)}, the qlog shows {used} ({self._source(evidence)})",
            evidence=files,
        )

    def _alpn_check(self, name: str, wanted: str, evidence: HandshakeEvidence) -> Check:
        files = [str(path) for path in evidence.files]
        if evidence.chosen_alpns:
            if evidence.chosen_alpns == {wanted}:
                return Check(
                    name=name,
                    status="passed",
                    reason=f"ALPN {wanted!r} was chosen ({self._source(evidence)})",
                    evidence=files,
                )
            chosen = ", ".join(sorted(repr(alpn) for alpn in evidence.chosen_alpns))
            return Check(
                name=name,
                status="failed",
                reason=f"expected ALPN {wanted!r}, the qlog shows {chosen} chosen ({self._source(evidence)})",
                evidence=files,
            )
        if evidence.offered_alpns == {wanted}:
            # No choice recorded, but nothing else was on offer: a completed
            # handshake can only have agreed on this one.
            return Check(
                name=name,
                status="passed",
                reason=f"ALPN {wanted!r} was the only one offered ({self._source(evidence)})",
                evidence=files,
            )
        if evidence.offered_alpns and wanted not in evidence.offered_alpns:
            offered = ", ".join(sorted(repr(alpn) for alpn in evidence.offered_alpns))
            return Check(
                name=name,
                status="failed",
                reason=f"ALPN {wanted!r} was never offered, only {offered} ({self._source(evidence)})",
                evidence=files,
            )
        return Check(
            name=name,
            status="skipped",
            reason=f"the qlog records no chosen ALPN ({self._source(evidence)})",
            evidence=files,
        )


def _did_not_take_part(outcome: ServiceOutcome | None) -> bool:
    return outcome is not None and (outcome.exit_code == EXIT_UNSUPPORTED or outcome.start_error is not None)
