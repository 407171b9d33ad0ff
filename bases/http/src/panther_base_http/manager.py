"""``BaseHTTPServiceManager``: what every HTTP implementation plugin shares.

On top of the TCP base (address, default port): the HTTP version the test asked for
and whether the plugin's implementation speaks it, TLS and the URLs decided by the
``http`` protocol plugin (never overridden here), the key log handed to the program
through ``SSLKEYLOGFILE``, readiness by version (TCP, or QUIC for h3), and the checks
of every exchange the service recorded (status and version, see ``exchanges``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from panther.services.manager import UnsupportedFeatureError
from panther.services.outcome import EXIT_UNSUPPORTED, Check, ServiceOutcome
from panther.services.readiness import ReadinessProbe
from panther_base_tcp import BaseTCPServiceManager

from panther_base_http.config import HTTPConfig
from panther_base_http.exchanges import EXCHANGE_LOG, ExchangeJudge
from panther_base_http.probe import http_readiness_probe
from panther_base_http.versions import DEFAULT_VERSION, HTTP1, HTTP2, HTTP3, TLS_VERSIONS, canonical_version

# Unprivileged, so a local run needs no root.
DEFAULT_PORT = 8080


# Keys derived from the version when the protocol has not decided them.
_DERIVED = ("http_versions", "tls", "scheme", "url")


def _with_http_defaults(arguments: dict[str, Any]) -> dict[str, Any]:
    version = canonical_version(arguments.get("http_version") or DEFAULT_VERSION)
    arguments["http_version"] = version
    arguments.setdefault("http_versions", [version])
    arguments.setdefault("tls", version in TLS_VERSIONS)
    scheme = "https" if arguments["tls"] else "http"
    arguments.setdefault("scheme", scheme)
    host = str(arguments["host"])
    authority = f"[{host}]" if ":" in host else host
    arguments.setdefault("url", f"{scheme}://{authority}:{arguments['port']}/")
    arguments.setdefault("urls", [])
    return arguments


class BaseHTTPServiceManager(BaseTCPServiceManager):
    """Base of HTTP implementation plugins (see the IUT development guide)."""

    config_class: ClassVar[type[HTTPConfig]] = HTTPConfig
    default_port: ClassVar[int] = DEFAULT_PORT
    #: The HTTP versions the implementation speaks; a test asking another one is ``unsupported``.
    http_versions: ClassVar[tuple[str, ...]] = (HTTP1, HTTP2)

    def run_arguments(self, role: str) -> dict[str, Any]:
        """The TCP base's ``host`` and ``port``, then every HTTP key with a default, so
        a command can be generated outside a test too; what the ``http`` protocol
        decided for the test (``tls``, ``scheme``, ``url`` ...) is kept as it is."""
        return _with_http_defaults(super().run_arguments(role))

    def generate_run_argv(self, role: str = "server", **kwargs: Any) -> list[str]:
        if "http_version" in kwargs and "tls" not in (self.context.arguments if self.context else {}):
            # Outside a test, a version named by the caller also decides TLS and the URL.
            base = {key: value for key, value in self.run_arguments(role).items() if key not in _DERIVED}
            kwargs = {**_with_http_defaults({**base, "http_version": kwargs["http_version"]}), **kwargs}
        arguments = {**self.run_arguments(role), **kwargs}
        asked = [arguments["http_version"]] if role == "client" else list(arguments["http_versions"])
        speaks = self.supported_http_versions()
        missing = [version for version in asked if version not in speaks]
        if missing:
            raise UnsupportedFeatureError(
                f"{self._get_implementation_name()} does not speak {', '.join(missing)} (it speaks {', '.join(speaks)})"
            )
        return super().generate_run_argv(role=role, **kwargs)

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        """``SSLKEYLOGFILE`` (the NSS key log most TLS stacks honour) when there is a key log."""
        environment = dict(super().get_run_environment(role, **kwargs))
        keylog_file = {**self.run_arguments(role), **kwargs}.get("keylog_file")
        if keylog_file:
            environment["SSLKEYLOGFILE"] = str(keylog_file)
        return environment

    def supported_http_versions(self) -> tuple[str, ...]:
        """The versions the implementation speaks: ``http_versions``, unless the plugin
        finds out at run time (curl asks the installed program)."""
        return self.http_versions

    def get_supported_features(self) -> dict[str, bool]:
        speaks = self.supported_http_versions()
        return {version: version in speaks for version in (HTTP1, HTTP2, HTTP3)}

    def get_readiness_probe(self, host: str, port: int) -> ReadinessProbe | None:
        role = self.context.role if self.context is not None else "server"
        return http_readiness_probe(host, port, self.run_arguments(role)["http_versions"])

    # ------------------------------------------------------------------ evidence
    def exchange_log(self, outcome: ServiceOutcome) -> Path | None:
        """Where the program recorded its exchanges (``exchanges`` explains the format).

        By default the file the protocol named in the ``exchange_log`` argument,
        ``exchanges.jsonl`` in the service's folder; a program that can only print
        them says ``outcome.stdout``; None: this implementation records none.
        """
        return outcome.output_dir / EXCHANGE_LOG

    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        """The exit check, then the status and version of every exchange the service
        recorded, when the test was an ``http`` test it took part in."""
        checks = super().evaluate(outcome)
        arguments = self.context.arguments if self.context is not None else {}
        if "http_version" not in arguments or outcome.start_error or outcome.exit_code == EXIT_UNSUPPORTED:
            return checks
        log = self.exchange_log(outcome)
        if log is None:
            reason = f"{self._get_implementation_name()} records no exchanges: not verified"
            return checks + [
                Check(name=f"{outcome.name} HTTP {what}", status="skipped", reason=reason)
                for what in ("status", "version")
            ]
        role = outcome.role
        expected = [f"/{name}" for name in arguments.get("expected_files", [])] if role == "client" else []
        versions = [arguments["http_version"]] if role == "client" else list(arguments.get("http_versions", []))
        return checks + ExchangeJudge(outcome.name, role, log, expected, versions).checks()
