"""Loading an experiment file: from a path to a :class:`ResolvedExperiment`.

The steps, each owned by its own module: read and parse the file keeping the line
of every value (:mod:`~panther.config.yaml_source`), decode it into the experiment
Structs (:mod:`~panther.config.decoding`), check the rules types cannot express
(:mod:`~panther.config.rules`), then find every plugin the file names and decode its
block with the plugin's own Struct (:mod:`~panther.config.resolution`). Any user
mistake is a :class:`~panther.config.errors.ConfigError`; nothing is started.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from panther.config.decoding import decode, describe_value, field_names
from panther.config.errors import ConfigError
from panther.config.models import ExperimentConfig, ProtocolConfig, TestConfig
from panther.config.resolution import PluginResolver
from panther.config.resolved import ResolvedExperiment, ResolvedService, ResolvedTest
from panther.config.rules import check_experiment, check_test, check_topology
from panther.config.yaml_source import DocPath, SourceDocument, parse_document, read_source
from panther.netpath.config import PathConfig, path_problem

if TYPE_CHECKING:
    from panther.plugins.registry import PluginRegistry

__all__ = ["ConfigError", "load_experiment", "load_experiment_text"]


def load_experiment(path: Path, registry: PluginRegistry) -> ResolvedExperiment:
    """Read, check and resolve the experiment file at ``path``."""
    return load_experiment_text(read_source(path), path, registry)


def load_experiment_text(text: str, source: Path, registry: PluginRegistry) -> ResolvedExperiment:
    """Check and resolve an experiment given as text; ``source`` names it in messages."""
    document = parse_document(text, source)
    expected_top = "a mapping with the keys: " + ", ".join(field_names(ExperimentConfig))
    if document.data is None:
        raise ConfigError("the file is empty (no YAML document)", file=source, expected=expected_top, found="nothing")
    if not isinstance(document.data, dict):
        raise document.error(
            "an experiment file must be a mapping", (), expected=expected_top, found=describe_value(document.data)
        )
    config = decode(document, document.data, ExperimentConfig, ())
    check_experiment(document, config)
    resolver = PluginResolver(document, registry)
    tests = [_resolve_test(document, resolver, index, test) for index, test in enumerate(config.tests)]
    return ResolvedExperiment(source=source, config=config, tests=tests)


def _check_path(document: SourceDocument, path: DocPath, network_config: object, timeout: float) -> None:
    """A path's settings must agree with each other and with the test's time."""
    config = getattr(network_config, "path", None)
    if not isinstance(config, PathConfig):
        return
    problem = path_problem(config, timeout)
    if problem is not None:
        where, message, expected, found = problem
        raise document.error(message, (*path, *where), expected=expected, found=found)


def _resolve_test(document: SourceDocument, resolver: PluginResolver, index: int, test: TestConfig) -> ResolvedTest:
    check_test(document, index, test)
    path: DocPath = ("tests", index)
    services: dict[str, ResolvedService] = {}
    protocols: dict[str, ProtocolConfig] = {}
    for name, service in test.services.items():
        service_path = (*path, "services", name)
        manager_class, implementation = resolver.implementation(
            service.implementation, (*service_path, "implementation")
        )
        protocol_class, protocol = resolver.protocol(service.protocol, (*service_path, "protocol"))
        protocols[name] = protocol
        services[name] = ResolvedService(
            name=name,
            config=service,
            implementation=implementation,
            manager_class=manager_class,
            protocol=protocol,
            protocol_class=protocol_class,
        )
    check_topology(document, index, protocols)
    network_class, network_config = resolver.network_environment(
        test.network_environment, (*path, "network_environment")
    )
    _check_path(document, (*path, "network_environment", "path"), network_config, test.timeout)
    execution = [
        resolver.execution_environment(entry, (*path, "execution_environment", position))
        for position, entry in enumerate(test.execution_environment)
    ]
    return ResolvedTest(
        index=index,
        config=test,
        services=services,
        network_environment_class=network_class,
        network_environment_config=network_config,
        execution_environments=execution,
    )
