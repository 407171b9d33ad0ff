"""The JSON Schema of an experiment file agrees with the loader, for the installed plugins."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from panther.config.errors import ConfigError
from panther.config.loader import load_experiment
from panther.config.schema import experiment_json_schema
from panther.plugins.registry import PluginEntry, PluginRegistry
from panther.suites import TestSuite

DATA = Path(__file__).parent / "data"
GUIDE_EXAMPLES = sorted((DATA / "guide_examples").glob("*.yaml"))
# Mistakes a schema can express (shape, names, keys, plugin choice), one file each.
SCHEMA_CATCHES = [
    "empty_services",
    "empty_tests",
    "environment_value_not_text",
    "implementation_is_a_tester",
    "implementation_value_wrong_type",
    "invalid_environment_name",
    "invalid_implementation_type",
    "invalid_logging_level",
    "invalid_port_mapping",
    "invalid_role",
    "iterations_bool",
    "iterations_zero",
    "missing_implementation_name",
    "missing_role",
    "missing_services",
    "missing_tests",
    "ports_not_a_list",
    "service_timeout_zero",
    "tester_missing_required_key",
    "tests_not_a_list",
    "timeout_negative",
    "timeout_wrong_type",
    "top_level_list",
    "unknown_execution_environment",
    "unknown_execution_environment_key",
    "unknown_implementation",
    "unknown_implementation_key",
    "unknown_network_environment",
    "unknown_network_environment_key",
    "unknown_observer_key",
    "unknown_protocol",
    "unknown_protocol_key",
    "unknown_protocol_version",
    "unknown_service_key",
    "unknown_test_key",
    "unknown_top_level_key",
    "unsafe_service_name",
    "wait_negative",
    "matrix_and_services",
    "matrix_duplicate_server",
    "matrix_empty_clients",
    "matrix_name_with_slash",
    "matrix_tester_plays_a_role",
    "matrix_unknown_case",
    "matrix_unknown_implementation",
    "matrix_unknown_option",
    "matrix_unknown_tester",
    "matrix_wrong_protocol",
    "suite_as_service",
]


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


@pytest.fixture(scope="module")
def validator(registry: PluginRegistry) -> jsonschema.Draft202012Validator:
    schema = experiment_json_schema(registry)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _document(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_schema_is_json(registry: PluginRegistry) -> None:
    schema = experiment_json_schema(registry)
    assert json.loads(json.dumps(schema)) == schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_each_installed_plugin_is_a_choice(registry: PluginRegistry) -> None:
    schema = experiment_json_schema(registry)
    service = schema["$defs"]["ServiceConfig"]["properties"]
    suites = [name for name in registry.names("tester") if issubclass(registry.load("tester", name), TestSuite)]
    assert [variant["title"] for variant in service["implementation"]["oneOf"]] == [
        *(f"iut {name}" for name in registry.names("iut")),
        *(f"tester {name}" for name in registry.names("tester") if name not in suites),
    ]
    assert [variant["title"] for variant in schema["$defs"]["MatrixConfig"]["oneOf"]] == [
        f"tester {name}" for name in suites
    ]
    assert "tester demo_cases" not in {variant["title"] for variant in service["implementation"]["oneOf"]}
    assert {"iut your_implementation", "tester panther_ivy"} <= {
        variant["title"] for variant in service["implementation"]["oneOf"]
    }
    assert [variant["title"] for variant in service["protocol"]["oneOf"]] == [
        f"protocol {name}" for name in registry.names("protocol")
    ]
    assert "performance_mode" in schema["$defs"]["YourImplementationConfig"]["properties"]
    test = schema["$defs"]["TestConfig"]["properties"]
    assert {variant["title"] for variant in test["network_environment"]["oneOf"]} == {
        f"network_environment {name}" for name in registry.names("network_environment")
    }
    assert {variant["title"] for variant in test["execution_environment"]["items"]["oneOf"]} == {
        f"execution_environment {name}" for name in registry.names("execution_environment")
    }


@pytest.mark.parametrize("path", GUIDE_EXAMPLES, ids=[path.stem for path in GUIDE_EXAMPLES])
def test_guide_examples_are_valid(path: Path, validator: jsonschema.Draft202012Validator) -> None:
    assert [error.message for error in validator.iter_errors(_document(path))] == []


@pytest.mark.parametrize("name", SCHEMA_CATCHES)
def test_schema_rejects_what_the_loader_rejects(
    name: str, validator: jsonschema.Draft202012Validator, registry: PluginRegistry
) -> None:
    path = DATA / "malformed" / f"{name}.yaml"
    with pytest.raises(ConfigError):
        load_experiment(path, registry)
    assert list(validator.iter_errors(_document(path)))


def test_unloadable_plugin_is_listed_not_fatal(registry: PluginRegistry) -> None:
    broken = PluginEntry("iut", "broken_quic", "panther_no_such_module:Manager", "panther-iut-broken-quic", "0.3.0")
    schema = experiment_json_schema(PluginRegistry([*registry.entries(), broken]))
    assert "panther-iut-broken-quic" in schema["x-panther-unavailable-plugins"]["iut:broken_quic"]
    titles = [v["title"] for v in schema["$defs"]["ServiceConfig"]["properties"]["implementation"]["oneOf"]]
    assert "iut broken_quic" not in titles
    assert "iut your_implementation" in titles


def test_a_matrix_names_its_suites_cases_and_the_implementations_of_its_protocol(
    registry: PluginRegistry, validator: jsonschema.Draft202012Validator
) -> None:
    (demo,) = experiment_json_schema(registry)["$defs"]["MatrixConfig"]["oneOf"]
    properties = demo["properties"]
    assert properties["cases"]["items"] == {"enum": ["tcp", "udp", "long_lines", "rate"]}
    # your_implementation speaks quic, not demo: it is not a choice.
    assert properties["servers"]["items"] == {"enum": ["demo_echo", "demo_echo_tcp"]}
    assert properties["options"] == {"$ref": "#/$defs/DemoCasesOptions"}
    matrix = {"tester": "demo_cases", "servers": ["demo_echo"], "clients": ["demo_echo_tcp"], "cases": ["tcp"]}
    assert list(validator.iter_errors({"tests": [{"name": "echoes", "matrix": matrix, "timeout": 5}]})) == []
