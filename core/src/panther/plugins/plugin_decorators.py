"""``register_plugin`` at the import path of the IUT development guide."""

from panther.plugins.manifest import PluginManifest, register_plugin

__all__ = ["PluginManifest", "register_plugin"]
