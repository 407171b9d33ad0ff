"""The JSON Schema of a whole experiment file, with the keys of every installed plugin.

Editors use it for completion and checking as one types. The harness's Structs give
the frame; each plugin-owned block becomes a ``oneOf`` of the installed plugins'
config Structs, told apart by the name that picks the plugin (``implementation.name``,
``protocol.name``, ``network_environment.type``, ``execution_environment[].type``).
The rules that types cannot say (at least one test, safe service names, positive
timeouts) are added as constraints so that an editor flags them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from panther.config.implementation import ImplementationConfig
from panther.config.models import (
    ExecutionEnvironmentConfig,
    ExperimentConfig,
    MatrixConfig,
    NetworkEnvironmentConfig,
    ProtocolConfig,
    ServiceConfig,
    StepsConfig,
    TestConfig,
)
from panther.config.rules import ENVIRONMENT_NAME, MAX_SERVICE_NAME, PORT_MAPPING, SERVICE_NAME
from panther.plugins.manifest import manifest_of
from panther.plugins.registry import PluginError
from panther.suites import TestSuite

if TYPE_CHECKING:
    from panther.plugins.registry import PluginRegistry

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REF_TEMPLATE = "#/$defs/{name}"
_FRAME = (ExperimentConfig, TestConfig, ServiceConfig, ExecutionEnvironmentConfig, StepsConfig, MatrixConfig)
_FALLBACK = {
    "iut": ImplementationConfig,
    "tester": ImplementationConfig,
    "protocol": ProtocolConfig,
    "network_environment": NetworkEnvironmentConfig,
}


class _Plugin(msgspec.Struct, frozen=True):
    kind: str
    name: str
    cls: type
    config_class: type | None


def experiment_json_schema(registry: PluginRegistry) -> dict[str, Any]:
    """The schema of an experiment file for the plugins ``registry`` can load.

    Plugins that cannot be loaded are left out and listed under
    ``x-panther-unavailable-plugins`` with the reason.
    """
    plugins, unavailable = _loadable_plugins(registry)
    config_classes = [plugin.config_class for plugin in plugins if plugin.config_class is not None]
    refs, defs = msgspec.json.schema_components([*_FRAME, *config_classes], ref_template=_REF_TEMPLATE)
    frame_refs: dict[type, dict[str, Any]] = dict(zip(_FRAME, refs[: len(_FRAME)], strict=True))
    plugin_refs: dict[type, dict[str, Any]] = dict(zip(config_classes, refs[len(_FRAME) :], strict=True))

    def component(struct: type) -> dict[str, Any]:
        name: str = frame_refs[struct]["$ref"].rsplit("/", 1)[1]
        schema: dict[str, Any] = defs[name]
        return schema

    def ref(plugin: _Plugin) -> dict[str, Any]:
        if plugin.config_class is None:
            return {"type": "object"}
        return dict(plugin_refs[plugin.config_class])

    by_kind: dict[str, list[_Plugin]] = {}
    for plugin in plugins:
        by_kind.setdefault(plugin.kind, []).append(plugin)

    service = component(ServiceConfig)["properties"]
    suites = [plugin for plugin in by_kind.get("tester", []) if _is_suite(plugin)]
    service["implementation"] = _one_of(
        [
            _implementation_variant(plugin, ref(plugin))
            for kind in ("iut", "tester")
            for plugin in by_kind.get(kind, [])
            if plugin not in suites
        ]
    )
    service["protocol"] = _one_of([_protocol_variant(plugin, ref(plugin)) for plugin in by_kind.get("protocol", [])])
    service["timeout"] = {"anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}], "default": None}
    # Port ranges (1-65535) are checked by the loader; the pattern gives the shape.
    service["ports"]["items"]["pattern"] = PORT_MAPPING.pattern
    service["environment"]["propertyNames"] = {"pattern": ENVIRONMENT_NAME.pattern}

    test = component(TestConfig)["properties"]
    test["network_environment"] = _one_of(
        [_network_variant(plugin, ref(plugin)) for plugin in by_kind.get("network_environment", [])],
        default={"type": "local"},
    )
    test["execution_environment"] = {
        "type": "array",
        "items": _one_of(
            [_execution_variant(plugin, ref(plugin)) for plugin in by_kind.get("execution_environment", [])]
        ),
        "default": [],
    }
    test["services"].update(
        {"minProperties": 1, "propertyNames": {"pattern": SERVICE_NAME.pattern, "maxLength": MAX_SERVICE_NAME}}
    )
    test["timeout"].update({"exclusiveMinimum": 0})
    test_schema = component(TestConfig)
    test_schema["required"] = [key for key in test_schema.get("required", []) if key != "services"]
    # One test of services, or a matrix of cells named <name>/<case>/<server>/<client>.
    test_schema["oneOf"] = [
        {"required": ["services"]},
        {"required": ["matrix"], "properties": {"name": {"pattern": "^[^/]+$"}}},
    ]
    matrix = component(MatrixConfig)
    matrix.clear()
    matrix.update(_one_of([_matrix_variant(plugin, ref(plugin), by_kind.get("iut", [])) for plugin in suites]))
    test["iterations"].update({"minimum": 1})
    component(StepsConfig)["properties"]["wait"] = {
        "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
        "default": None,
    }
    component(ExperimentConfig)["properties"]["tests"]["minItems"] = 1

    schema: dict[str, Any] = {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": "PANTHER experiment",
        **frame_refs[ExperimentConfig],
        "$defs": defs,
    }
    if unavailable:
        schema["x-panther-unavailable-plugins"] = unavailable
    return schema


def _loadable_plugins(registry: PluginRegistry) -> tuple[list[_Plugin], dict[str, str]]:
    plugins: list[_Plugin] = []
    unavailable: dict[str, str] = {}
    for entry in registry.entries():
        if any(plugin.kind == entry.kind and plugin.name == entry.name for plugin in plugins):
            continue
        try:
            cls = registry.load(entry.kind, entry.name)
        except PluginError as error:
            unavailable[f"{entry.kind}:{entry.name}"] = str(error)
            continue
        attribute = "options_class" if _is_suite_class(cls) else "config_class"
        config_class = getattr(cls, attribute, _FALLBACK.get(entry.kind))
        plugins.append(_Plugin(entry.kind, entry.name, cls, config_class))
    return plugins, unavailable


def _is_suite_class(cls: type) -> bool:
    return issubclass(cls, TestSuite)


def _is_suite(plugin: _Plugin) -> bool:
    return _is_suite_class(plugin.cls)


def _matrix_variant(plugin: _Plugin, options: dict[str, Any], iuts: list[_Plugin]) -> dict[str, Any]:
    """A matrix of one installed suite: its cases and the installed implementations of its protocol."""
    protocol = plugin.cls.protocol  # type: ignore[attr-defined]
    speakers = [iut.name for iut in iuts if _speaks(iut, protocol)]
    try:
        cases = list(plugin.cls().cases())
    except Exception:  # a broken suite still gets a schema, without its case names
        cases = []
    names = {"type": "array", "items": {"enum": speakers}, "minItems": 1, "uniqueItems": True}
    case_names: dict[str, Any] = {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True}
    if cases:
        case_names["items"] = {"enum": cases}
    return _described(
        plugin,
        {
            "type": "object",
            "properties": {
                "tester": {"const": plugin.name},
                "servers": names,
                "clients": names,
                "cases": case_names,
                "options": options,
            },
            "required": ["tester", "servers", "clients"],
            "additionalProperties": False,
        },
    )


def _speaks(plugin: _Plugin, protocol: str) -> bool:
    manifest = manifest_of(plugin.cls)
    # An implementation that declares no protocol is not refused by the loader either.
    return manifest is None or not manifest.supported_protocols or protocol in manifest.supported_protocols


def _one_of(variants: list[dict[str, Any]], default: Any = None) -> dict[str, Any]:
    # No plugin of a kind installed: the block is still a mapping, but nothing can match a name.
    schema: dict[str, Any] = {"oneOf": variants} if variants else {"type": "object", "not": {}}
    if default is not None:
        schema["default"] = default
    return schema


def _described(plugin: _Plugin, schema: dict[str, Any]) -> dict[str, Any]:
    manifest = manifest_of(plugin.cls)
    schema = {"title": f"{plugin.kind} {plugin.name}", **schema}
    if manifest is not None and manifest.description:
        schema["description"] = manifest.description
    return schema


def _implementation_variant(plugin: _Plugin, ref: dict[str, Any]) -> dict[str, Any]:
    if plugin.kind == "iut":
        picked: dict[str, Any] = {
            "properties": {"name": {"const": plugin.name}, "type": {"enum": ["iut"]}},
            "required": ["name"],
        }
    else:
        picked = {
            "properties": {"name": {"const": plugin.name}, "type": {"enum": ["tester", "testers"]}},
            "required": ["name", "type"],
        }
    return _described(plugin, {"allOf": [ref, picked]})


def _protocol_variant(plugin: _Plugin, ref: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {"name": {"const": plugin.name}}
    versions = list(getattr(plugin.cls, "versions", {}) or {})
    if versions:
        properties["version"] = {"anyOf": [{"enum": versions}, {"type": "null"}]}
    return _described(plugin, {"allOf": [ref, {"properties": properties, "required": ["name", "role"]}]})


def _network_variant(plugin: _Plugin, ref: dict[str, Any]) -> dict[str, Any]:
    # ``type`` may be left out only for the default environment.
    picked: dict[str, Any] = {"properties": {"type": {"const": plugin.name}}}
    if plugin.name != "local":
        picked["required"] = ["type"]
    return _described(plugin, {"allOf": [ref, picked]})


def _execution_variant(plugin: _Plugin, ref: dict[str, Any]) -> dict[str, Any]:
    return _described(
        plugin,
        {
            "type": "object",
            "properties": {"type": {"const": plugin.name}, "config": ref},
            "required": ["type"],
            "additionalProperties": False,
        },
    )
