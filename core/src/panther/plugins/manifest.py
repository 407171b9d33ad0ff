"""The manifest a plugin class carries, attached by ``@register_plugin``.

The registry reads entry points without importing anything; once a plugin class
is imported, its manifest is checked against the entry point that named it, so a
plugin cannot silently claim a different name or kind than its distribution says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import msgspec

PLUGIN_KINDS: dict[str, str] = {
    # manifest plugin_type -> entry-point group
    "iut": "panther.iut",
    "tester": "panther.tester",
    "network_environment": "panther.network_environment",
    "execution_environment": "panther.execution_environment",
    "protocol": "panther.protocol",
}

# Spellings found in the IUT development guide that mean the same kind.
_KIND_ALIASES = {"testers": "tester", "service": "iut"}

MANIFEST_ATTRIBUTE = "__panther_manifest__"

T = TypeVar("T", bound=type)


class PluginManifest(msgspec.Struct, frozen=True, kw_only=True):
    plugin_type: str
    name: str
    version: str = "0.0.0"
    description: str = ""
    supported_protocols: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()


def normalise_kind(plugin_type: str) -> str:
    return _KIND_ALIASES.get(plugin_type, plugin_type)


def register_plugin(
    *,
    plugin_type: str,
    name: str,
    version: str = "0.0.0",
    description: str = "",
    supported_protocols: list[str] | tuple[str, ...] = (),
    capabilities: list[str] | tuple[str, ...] = (),
) -> Callable[[T], T]:
    """Attach a :class:`PluginManifest` to a plugin class.

    Registration itself happens through the distribution's entry point; the
    manifest is what the registry checks that entry point against.
    """
    kind = normalise_kind(plugin_type)
    if kind not in PLUGIN_KINDS:
        known = ", ".join(sorted(PLUGIN_KINDS))
        raise ValueError(f"plugin {name!r}: unknown plugin_type {plugin_type!r} (known: {known})")
    manifest = PluginManifest(
        plugin_type=kind,
        name=name,
        version=version,
        description=description,
        supported_protocols=tuple(supported_protocols),
        capabilities=tuple(capabilities),
    )

    def attach(cls: T) -> T:
        setattr(cls, MANIFEST_ATTRIBUTE, manifest)
        return cls

    return attach


def manifest_of(obj: object) -> PluginManifest | None:
    manifest = getattr(obj, MANIFEST_ATTRIBUTE, None)
    return manifest if isinstance(manifest, PluginManifest) else None
