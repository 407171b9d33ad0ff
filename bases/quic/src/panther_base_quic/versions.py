"""QUIC versions: the names an experiment file uses and their wire values."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from panther.config.errors import ConfigError
from panther.services.manager import UnsupportedFeatureError

DEFAULT_VERSION = "rfc9000"

QUIC_VERSIONS = MappingProxyType(
    {
        "rfc9000": 0x00000001,
        "v1": 0x00000001,
        "draft29": 0xFF00001D,
        "v2": 0x6B3343CF,
        "rfc9369": 0x6B3343CF,
    }
)
"""Every accepted version name, mapped to the 32-bit value carried in long headers."""


def quic_version_wire(name: str | None) -> int:
    """The wire value of version ``name`` (``None`` means the default, RFC 9000).

    An unknown name is a user's mistake in the experiment file: a :class:`ConfigError`
    that lists the names that are known.
    """
    key = DEFAULT_VERSION if name is None else str(name).strip().lower()
    try:
        return QUIC_VERSIONS[key]
    except KeyError:
        known = ", ".join(f"{known_name} ({value:#010x})" for known_name, value in QUIC_VERSIONS.items())
        raise ConfigError(
            f"unknown QUIC version {name!r}",
            path="protocol.version",
            expected=f"one of {known}",
            found=repr(name),
        ) from None


def version_names(wire: int) -> list[str]:
    """Every name of the version whose wire value is ``wire`` (empty when unknown)."""
    return [name for name, value in QUIC_VERSIONS.items() if value == wire]


def supported_wire_version(
    implementation: str, arguments: Mapping[str, Any], supported: Collection[int], why: str
) -> int:
    """The wire value of the test's version (``quic_version_wire`` of a command's
    arguments, v1 when absent), or an :class:`UnsupportedFeatureError` naming the
    implementation, the version and ``why`` it cannot speak it: the verdict is then
    ``unsupported``, never a failure of the implementation."""
    wire = int(arguments.get("quic_version_wire", QUIC_VERSIONS[DEFAULT_VERSION]))
    if wire not in supported:
        name = arguments.get("quic_version") or ", ".join(version_names(wire)) or "unknown"
        raise UnsupportedFeatureError(f"{implementation}: QUIC version {name} ({wire:#010x}) is not supported: {why}")
    return wire
