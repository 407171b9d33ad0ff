"""``BaseQUICServiceManager``: what every QUIC implementation plugin shares.

Default port, the address to bind or connect to, the guide's common parameters
(port, host, TLS files, timeouts), ALPN and version defaults, the key log handed to
the program through ``SSLKEYLOGFILE``, the QUIC feature keys, and the readiness
probe (Version Negotiation), and the QUIC test cases: a plugin's case table
(``test_cases``) is applied to its command when a test names a case. A plugin adds
only its binary, its flags and its case table.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from panther.events import CommandGenerationEvent
from panther.services.manager import BaseServiceManager, UnsupportedFeatureError
from panther.services.readiness import ReadinessProbe

from panther_base_quic.case_support import AppliedCase, CaseSupport, case_arguments
from panther_base_quic.cases import quic_test_case
from panther_base_quic.config import QUICConfig
from panther_base_quic.probe import version_negotiation_probe
from panther_base_quic.reconnect import reconnect_argv
from panther_base_quic.versions import DEFAULT_VERSION, quic_version_wire

DEFAULT_PORT = 4443
DEFAULT_HOST = "127.0.0.1"
DEFAULT_ALPN = "hq-interop"

# The feature keys of the IUT development guide, with what a plain RFC 9000
# implementation can be assumed to do; plugins switch on what they support.
QUIC_FEATURES: dict[str, bool] = {
    "rfc9000": True,
    "version_negotiation": True,
    "key_updates": True,
    "retry": False,
    "0rtt": False,
    "connection_migration": False,
    "multipath": False,
    "draft29": False,
    "v2": False,
}


class BaseQUICServiceManager(BaseServiceManager):
    """Base of QUIC implementation plugins (see the IUT development guide)."""

    config_class: ClassVar[type[QUICConfig]] = QUICConfig
    default_port: ClassVar[int] = DEFAULT_PORT
    #: How this implementation does each QUIC test case (see ``case_support``).
    test_cases: ClassVar[Mapping[str, CaseSupport]] = MappingProxyType({})

    def run_arguments(self, role: str) -> dict[str, Any]:
        """The base's arguments with every QUIC key present, so plugins need no fallbacks.

        Precedence: what the deployment decided (``ServiceContext``), then the
        ``implementation:`` keys, then the protocol's defaults.
        """
        arguments = super().run_arguments(role)
        # A context port of 0 (or no context) means "not decided": fall back to the
        # implementation's own keys, then to the protocol's default.
        arguments["port"] = arguments.get("port") or getattr(self.config, "port", None) or self.default_port
        arguments["host"] = arguments.get("host") or getattr(self.config, "host", None) or DEFAULT_HOST
        arguments.setdefault("alpn", DEFAULT_ALPN)
        arguments.setdefault("quic_version", DEFAULT_VERSION)
        arguments.setdefault("quic_version_wire", quic_version_wire(arguments["quic_version"]))
        applied = self._applied_case(role, arguments)
        if applied is not None:
            arguments.update(applied.arguments)
        return arguments

    def case_support(self) -> Mapping[str, CaseSupport]:
        """The case table of the programs this service runs (``test_cases`` unless a
        plugin runs programs of several kinds, each with a table of its own)."""
        return self.test_cases

    def _applied_case(self, role: str, arguments: Mapping[str, Any]) -> AppliedCase | None:
        """What the test's case (``test_case``) adds to the command; raises when it cannot be done."""
        name = arguments.get("test_case")
        if not name:
            return None
        return case_arguments(
            self.implementation_name,
            quic_test_case(name),
            role,
            self.case_support(),
            self.get_supported_features(),
            arguments,
        )

    def generate_run_argv(self, role: str = "server", **kwargs: Any) -> list[str]:
        if "quic_version" in kwargs and "quic_version_wire" not in kwargs:
            # A version named by the caller must also change its wire value.
            kwargs["quic_version_wire"] = quic_version_wire(kwargs["quic_version"])
        arguments = {**self.run_arguments(role), **kwargs}
        applied = self._applied_case(role, arguments)
        if applied is None:
            return super().generate_run_argv(role=role, **kwargs)
        # The case's arguments win, whether the case came from the test or the caller.
        kwargs = {**kwargs, **applied.arguments}
        if applied.client_runs == 1:
            return super().generate_run_argv(role=role, **kwargs)
        urls = list(arguments.get("urls") or [])
        if applied.client_runs == "per_file":
            runs = [[url] for url in urls] or [urls]
        else:
            runs = [urls[:1], urls[1:]] if len(urls) > 1 else [urls, urls]
        return self._reconnecting_argv(role, runs, kwargs)

    def _reconnecting_argv(self, role: str, shares: list[list[str]], kwargs: dict[str, Any]) -> list[str]:
        """Several runs of the client, one after the other, each fetching its share of the URLs."""
        if self.context is not None and self.context.environment != "local":
            # The runs are chained by this package's Python module, which an
            # implementation's own image does not hold.
            raise UnsupportedFeatureError(
                f"{self.implementation_name}: running the client more than once (resumption, 0-RTT, "
                "one connection per file) needs the local "
                f"network environment, not {self.context.environment}"
            )
        # Each run's command is made by the usual template method; only the command
        # that runs them all is announced.
        bus, self.event_bus = self.event_bus, None
        try:
            runs = [
                super(BaseQUICServiceManager, self).generate_run_argv(role=role, **{**kwargs, "urls": share})
                for share in shares
            ]
        finally:
            self.event_bus = bus
        argv = reconnect_argv(sys.executable, runs)
        self.emit_event(
            CommandGenerationEvent(
                service_name=self.context.name if self.context else self.implementation_name,
                role=role,
                argv=argv,
                command=shlex.join(argv),
            )
        )
        return argv

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        """``SSLKEYLOGFILE`` (the NSS key log format most TLS stacks honour) when there is a key log."""
        environment = dict(super().get_run_environment(role, **kwargs))
        keylog_file = {**self.run_arguments(role), **kwargs}.get("keylog_file")
        if keylog_file:
            environment["SSLKEYLOGFILE"] = str(keylog_file)
        return environment

    def get_supported_features(self) -> dict[str, bool]:
        return dict(QUIC_FEATURES)

    def get_readiness_probe(self, host: str, port: int) -> ReadinessProbe | None:
        return version_negotiation_probe(host, port)
