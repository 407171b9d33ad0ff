"""Plugin discovery: which plugins are installed, and importing one when it is used.

Every plugin, the core's own built-ins included, is an entry point in one of the
groups of :data:`GROUPS`. Discovery reads only distribution metadata, so listing
plugins or showing help imports no plugin; a plugin class is imported the first
time it is loaded, and its manifest is then checked against the entry point that
named it. A plugin that fails to import, or two distributions that claim one
name, are errors only for whoever uses that name: every other plugin keeps working.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass

import importlib_metadata as metadata
import msgspec

from panther.plugins.known import provider
from panther.plugins.manifest import MANIFEST_ATTRIBUTE, manifest_of, normalise_kind

KINDS = ("iut", "tester", "network_environment", "execution_environment", "protocol")
GROUPS = {kind: f"panther.{kind}" for kind in KINDS}

#: Comma-separated plugin names (``name`` or ``kind:name``) to turn off.
DISABLE_ENV_VAR = "PANTHER_DISABLE_PLUGINS"

# Kinds whose classes are service managers (or, for testers, test-case suites): they must say who they are.
_SERVICE_KINDS = ("iut", "tester")


@dataclass(frozen=True)
class PluginEntry:
    """One entry point: what discovery knows about a plugin without importing it."""

    kind: str
    name: str
    value: str  # "module:attr"
    distribution: str
    version: str

    @property
    def label(self) -> str:
        return f"{self.kind} plugin {self.name!r}"

    @property
    def origin(self) -> str:
        return f"distribution {self.distribution} {self.version} (entry point {self.name} = {self.value!r})"


class PluginError(Exception):
    """A plugin problem a user can act on; ``str(error)`` is the message to show."""


class PluginNotFoundError(PluginError):
    def __init__(
        self, kind: str, name: str, available: list[str], disabled: bool = False, other_kinds: Iterable[str] = ()
    ) -> None:
        self.kind = kind
        self.name = name
        self.available = available
        self.disabled = disabled
        other_kinds = sorted(other_kinds)
        if disabled:
            message = f"{kind} plugin {name!r} is disabled (by --disable-plugins or {DISABLE_ENV_VAR})"
        else:
            installed = ", ".join(available) if available else "none"
            message = f"no {kind} plugin named {name!r} is installed (installed {kind} plugins: {installed})"
            close = difflib.get_close_matches(name, available, n=1)
            distribution = provider(kind, name)
            if other_kinds:
                message += f"; {name!r} is installed, but as kind {' and '.join(other_kinds)}"
            elif distribution is not None:
                message += f"; it comes from the distribution {distribution} (pip install {distribution})"
            elif close:
                message += f"; did you mean {close[0]!r}?"
            else:
                message += f"; install the distribution that provides it (group {GROUPS.get(kind, kind)})"
        super().__init__(message)


class PluginLoadError(PluginError):
    """A plugin that is installed but cannot be used: it names the distribution and why."""

    def __init__(self, entry: PluginEntry, reason: str) -> None:
        self.entry = entry
        self.reason = reason
        super().__init__(f"{entry.label} from {entry.origin} cannot be loaded: {reason}")


class PluginConflictError(PluginError):
    """Two distributions claim one (kind, name)."""

    def __init__(self, kind: str, name: str, entries: list[PluginEntry]) -> None:
        self.kind = kind
        self.name = name
        self.entries = entries
        claims = " and ".join(f"{entry.distribution} {entry.version} ({entry.value})" for entry in entries)
        super().__init__(
            f"{kind} plugin {name!r} is provided by more than one distribution: {claims}; "
            f"uninstall one of them, or disable the name with --disable-plugins"
        )


def _disabled_set(disabled: Iterable[str]) -> set[str]:
    items = [*disabled, *os.environ.get(DISABLE_ENV_VAR, "").split(",")]
    return {item.strip() for item in items if item.strip()}


def _discover_entries() -> list[PluginEntry]:
    # importlib-metadata, not the standard library's copy: one behaviour (selection,
    # deduplication, ``EntryPoint.dist``) on every supported Python.
    # entry_points() already counts a distribution found twice on sys.path (an
    # editable and a site install) once: the copy Python would import.
    installed = metadata.entry_points()
    entries: list[PluginEntry] = []
    for kind, group in GROUPS.items():
        for entry_point in installed.select(group=group):
            distribution = entry_point.dist
            name = distribution.name if distribution is not None else "an unnamed distribution"
            version = distribution.version if distribution is not None else "unknown"
            entries.append(PluginEntry(kind, entry_point.name, entry_point.value, name, version))
    entries.sort(key=lambda entry: (KINDS.index(entry.kind), entry.name, entry.distribution))
    return entries


class PluginRegistry:
    """The installed plugins, imported lazily and cached."""

    def __init__(self, entries: Iterable[PluginEntry], disabled: Iterable[str] = ()) -> None:
        off = set(disabled)
        self._off = off
        self._entries: list[PluginEntry] = []
        self._disabled: list[PluginEntry] = []
        for entry in entries:
            is_off = entry.name in off or f"{entry.kind}:{entry.name}" in off
            (self._disabled if is_off else self._entries).append(entry)
        self._loaded: dict[tuple[str, str], type] = {}
        self._failed: dict[tuple[str, str], PluginError] = {}

    @classmethod
    def discover(cls, disabled: Iterable[str] = ()) -> PluginRegistry:
        """Read the entry points of every installed distribution (no import).

        ``disabled`` and ``PANTHER_DISABLE_PLUGINS`` name plugins to leave out,
        as ``name`` (every kind) or ``kind:name``.
        """
        return cls(_discover_entries(), _disabled_set(disabled))

    def entries(self, kind: str | None = None) -> list[PluginEntry]:
        """Enabled entry points (both sides of a conflict included), metadata only."""
        if kind is None:
            return list(self._entries)
        kind = self._check_kind(kind)
        return [entry for entry in self._entries if entry.kind == kind]

    def disabled_entries(self) -> list[PluginEntry]:
        """Entry points turned off by ``--disable-plugins`` or ``PANTHER_DISABLE_PLUGINS``."""
        return list(self._disabled)

    def unmatched_disabled(self) -> list[str]:
        """Names given to disable that match no installed plugin (most likely typos)."""
        matched = {entry.name for entry in self._disabled} | {f"{entry.kind}:{entry.name}" for entry in self._disabled}
        return sorted(self._off - matched)

    def names(self, kind: str) -> list[str]:
        return sorted({entry.name for entry in self.entries(kind)})

    def load(self, kind: str, name: str) -> type:
        """Import the plugin class ``kind``/``name`` (once) and check its manifest."""
        kind = self._check_kind(kind)
        key = (kind, name)
        if key in self._loaded:
            return self._loaded[key]
        if key in self._failed:
            raise self._failed[key]
        claims = [entry for entry in self._entries if entry.kind == kind and entry.name == name]
        if not claims:
            disabled = any(entry.kind == kind and entry.name == name for entry in self._disabled)
            other_kinds = {entry.kind for entry in self._entries if entry.name == name}
            raise PluginNotFoundError(kind, name, self.names(kind), disabled=disabled, other_kinds=other_kinds)
        try:
            if len(claims) > 1:
                raise PluginConflictError(kind, name, claims)
            plugin = _import_and_check(claims[0])
        except PluginError as error:
            self._failed[key] = error
            raise
        self._loaded[key] = plugin
        return plugin

    def load_all(self) -> dict[tuple[str, str], str]:
        """Import every enabled plugin; return the message of each that cannot be used."""
        errors: dict[tuple[str, str], str] = {}
        for kind, name in dict.fromkeys((entry.kind, entry.name) for entry in self._entries):
            try:
                self.load(kind, name)
            except PluginError as error:
                errors[(kind, name)] = str(error)
        return errors

    def _check_kind(self, kind: str) -> str:
        kind = normalise_kind(kind)
        if kind not in GROUPS:
            raise PluginError(f"unknown plugin kind {kind!r} (expected one of: {', '.join(KINDS)})")
        return kind


def _import_and_check(entry: PluginEntry) -> type:
    try:
        plugin = metadata.EntryPoint(entry.name, entry.value, GROUPS[entry.kind]).load()
    except (Exception, SystemExit) as error:  # noqa: BLE001 - a broken plugin is reported, it stops nothing
        raise PluginLoadError(entry, f"import failed: {type(error).__name__}: {error}") from error
    if not isinstance(plugin, type):
        raise PluginLoadError(entry, f"it names {plugin!r}, which is not a class")
    _check_manifest(entry, plugin)
    return plugin


def _check_suite(entry: PluginEntry, plugin: type) -> None:
    """A test-case suite says which protocol its matrix speaks, under the name it is installed as."""
    protocol = getattr(plugin, "protocol", None)
    if not isinstance(protocol, str) or not protocol:
        raise PluginLoadError(entry, f"{plugin.__qualname__} sets no `protocol` (the protocol its IUTs must speak)")
    options = getattr(plugin, "options_class", None)
    if not (isinstance(options, type) and issubclass(options, msgspec.Struct)):
        raise PluginLoadError(entry, f"{plugin.__qualname__}.options_class is {options!r}, not a msgspec.Struct")
    name = getattr(plugin, "name", entry.name)
    if name != entry.name:
        raise PluginLoadError(
            entry, f"{plugin.__qualname__}.name is {name!r}, but the entry point registers it as {entry.name!r}"
        )


def _check_manifest(entry: PluginEntry, plugin: type) -> None:
    manifest = manifest_of(plugin)
    if entry.kind in _SERVICE_KINDS:
        from panther.services.manager import BaseServiceManager
        from panther.suites import TestSuite

        if entry.kind == "tester" and issubclass(plugin, TestSuite):
            _check_suite(entry, plugin)
        elif not issubclass(plugin, BaseServiceManager):
            bases = "panther.BaseServiceManager" + (" or panther.TestSuite" if entry.kind == "tester" else "")
            raise PluginLoadError(entry, f"{plugin.__qualname__} is not a subclass of {bases}")
        if manifest is None:
            raise PluginLoadError(
                entry,
                f"{plugin.__qualname__} carries no manifest: decorate it with "
                f'@register_plugin(plugin_type="{entry.kind}", name="{entry.name}", ...)',
            )
    if manifest is None:
        return
    if manifest.plugin_type == entry.kind and manifest.name == entry.name:
        return
    # A subclass that is not decorated itself inherits its parent's manifest.
    inherited = "" if MANIFEST_ATTRIBUTE in vars(plugin) else " (inherited from a base class)"
    raise PluginLoadError(
        entry,
        f"its manifest{inherited} says plugin_type={manifest.plugin_type!r}, name={manifest.name!r}, "
        f"but the entry point registers it as {entry.kind} {entry.name!r}",
    )
