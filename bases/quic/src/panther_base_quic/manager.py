"""``BaseQUICServiceManager``: what every QUIC implementation plugin shares.

Default port, the address to bind or connect to, the guide's common parameters
(port, host, TLS files, timeouts), ALPN and version defaults, the key log handed to
the program through ``SSLKEYLOGFILE``, the QUIC feature keys, and the readiness
probe (Version Negotiation). A plugin adds only its binary and its flags.
"""

from __future__ import annotations

from typing import Any, ClassVar

from panther.services.manager import BaseServiceManager
from panther.services.readiness import ReadinessProbe

from panther_base_quic.config import QUICConfig
from panther_base_quic.probe import version_negotiation_probe
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
        return arguments

    def generate_run_argv(self, role: str = "server", **kwargs: Any) -> list[str]:
        if "quic_version" in kwargs and "quic_version_wire" not in kwargs:
            # A version named by the caller must also change its wire value.
            kwargs["quic_version_wire"] = quic_version_wire(kwargs["quic_version"])
        return super().generate_run_argv(role=role, **kwargs)

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
