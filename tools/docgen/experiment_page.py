"""The experiment-file reference: every key, from the msgspec Structs that decode it.

The frame (top level, tests, services ...) comes from ``panther.config.models``; the
plugin-owned blocks (``implementation``, ``protocol``, ``network_environment``,
``execution_environment[].config``) from the config Struct of every plugin installed
where the site is built.
"""

from __future__ import annotations

import msgspec
from panther.config.models import ExperimentConfig
from panther.plugins.manifest import manifest_of
from panther.plugins.registry import PluginError, PluginRegistry
from render import field_table
from source_docs import fields_of, own_doc

_PLUGIN_BLOCKS = (
    ("iut", "`tests[].services.<name>.implementation` of an implementation under test", "name"),
    ("tester", "`tests[].services.<name>.implementation` of a tester (`type: tester`)", "name"),
    ("protocol", "`tests[].services.<name>.protocol`", "name"),
    ("network_environment", "`tests[].network_environment`", "type"),
    ("execution_environment", "`tests[].execution_environment[].config`", "type"),
)


def _nested_structs(info: msgspec.inspect.Type) -> list[type]:
    """Struct classes reachable from a field's type (through lists, dicts, unions)."""
    if isinstance(info, msgspec.inspect.StructType):
        return [info.cls]
    found: list[type] = []
    for attribute in ("item_type", "value_type"):
        if hasattr(info, attribute):
            found += _nested_structs(getattr(info, attribute))
    for member in getattr(info, "types", ()):
        found += _nested_structs(member)
    return found


def _frame_sections(root: type, path: str, seen: set[type]) -> list[str]:
    seen.add(root)
    doc = own_doc(root)
    sections = [f"## `{path}`\n\n" + (f"{doc}\n\n" if doc else "") + f"Decoded into `{root.__name__}`.\n\n"]
    sections[0] += field_table(fields_of(root))
    info = msgspec.inspect.type_info(root)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        for nested in _nested_structs(field.type):
            if nested in seen:
                continue
            suffix = "[]" if isinstance(field.type, msgspec.inspect.ListType) else ""
            if isinstance(field.type, msgspec.inspect.DictType):
                suffix = ".<name>"
            child = f"{field.name}{suffix}" if path == "(top level)" else f"{path}.{field.name}{suffix}"
            sections += _frame_sections(nested, child, seen)
    return sections


def _nested_tables(struct: type, prefix: str, seen: set[type]) -> str:
    """Tables of the blocks nested in a plugin's keys (``path.to_server`` ...)."""
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    text = ""
    for field in info.fields:
        for nested in _nested_structs(field.type):
            if nested in seen:
                continue
            seen.add(nested)
            key = f"{prefix}{field.name}"
            suffix = "[]" if isinstance(field.type, msgspec.inspect.ListType) else ""
            doc = own_doc(nested)
            text += f"\n`{key}{suffix}` ({nested.__name__})" + (f": {doc}" if doc else "") + "\n\n"
            text += field_table(fields_of(nested)) + _nested_tables(nested, f"{key}{suffix}.", seen)
    return text


def _plugin_sections(registry: PluginRegistry) -> list[str]:
    sections: list[str] = []
    for kind, where, key in _PLUGIN_BLOCKS:
        entries = registry.entries(kind)
        if not entries:
            continue
        sections.append(f"## {where}\n\nOne schema per installed {kind.replace('_', ' ')} plugin, picked by `{key}`.\n")
        for entry in entries:
            heading = f"### `{key}: {entry.name}`\n\nFrom `{entry.distribution}` {entry.version}."
            try:
                cls = registry.load(kind, entry.name)
            except PluginError as error:
                sections.append(f"{heading} It could not be loaded here: {error}\n")
                continue
            manifest = manifest_of(cls)
            if manifest is not None and manifest.description:
                heading += f" {manifest.description}."
            config = getattr(cls, "config_class", None)
            versions = list(getattr(cls, "versions", {}) or {}) if kind == "protocol" else []
            text = heading + "\n\n"
            if versions:
                text += "Versions: " + ", ".join(f"`{version}`" for version in versions) + ".\n\n"
            if isinstance(config, type) and issubclass(config, msgspec.Struct):
                text += f"Keys (`{config.__module__}.{config.__name__}`):\n\n" + field_table(fields_of(config))
                text += _nested_tables(config, "", {config})
            else:
                text += "No keys of its own.\n"
            sections.append(text)
    return sections


def page() -> str:
    registry = PluginRegistry.discover()
    intro = (
        "# Experiment file\n\n"
        "An experiment is one YAML file. This page lists every key it may hold, generated from the\n"
        "msgspec Structs that decode it and from the configuration of every plugin installed where\n"
        "this site was built. Unknown keys are errors; an error names the file, the path in the\n"
        "document, the line, what was expected and what was found.\n\n"
        "`panther schema` prints the same as a JSON Schema, with the keys of the plugins installed\n"
        "on your machine, for an editor's completion. `panther validate FILE` checks a file\n"
        "without running it.\n\n"
    )
    sections = _frame_sections(ExperimentConfig, "(top level)", set()) + _plugin_sections(registry)
    return intro + "\n".join(sections)
