"""Every YAML example of the IUT development guide loads as written.

The examples are copied under data/guide_examples/ (fragments wrapped into whole
files, as each file's comment says); the plugins they name come from the
``panther-test-guide-plugins`` distribution in tests/plugins/guide_examples.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from panther.config.loader import load_experiment
from panther.config.resolved import ResolvedExperiment
from panther.plugins.registry import PluginRegistry
from panther_test_guide_plugins.config_schema import YourImplementationConfig
from panther_test_guide_plugins.ivy import IvyTesterConfig, PantherIvyTester
from panther_test_guide_plugins.protocols import QuicProtocol, YourProtocol
from panther_test_guide_plugins.your_implementation import YourServiceManager

EXAMPLES = Path(__file__).parent / "data" / "guide_examples"
FILES = sorted(EXAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


def load(name: str, registry: PluginRegistry) -> ResolvedExperiment:
    return load_experiment(EXAMPLES / name, registry)


def test_every_example_is_here() -> None:
    assert [path.name for path in FILES] == [
        "basic_server_client_test.yaml",
        "debug_mode.yaml",
        "implementation_specific_parameters.yaml",
        "integration_with_testers.yaml",
        "performance_testing.yaml",
        "test_config.yaml",
    ]


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_example_loads(path: Path, registry: PluginRegistry) -> None:
    experiment = load_experiment(path, registry)
    assert experiment.tests
    for test in experiment.tests:
        for service in test.services.values():
            assert isinstance(service.implementation, service.manager_class.config_class)


def test_basic_server_client(registry: PluginRegistry) -> None:
    test = load("basic_server_client_test.yaml", registry).tests[0]
    assert test.name == "Your Implementation Test"
    assert test.network_environment_config.type == "docker_compose"
    server, client = test.services["server"], test.services["client"]
    assert server.manager_class is YourServiceManager
    assert server.protocol_class is QuicProtocol
    assert (server.protocol.version, server.protocol.role, server.config.ports) == ("rfc9000", "server", ["4443:4443"])
    assert (client.protocol.role, client.protocol.target) == ("client", "server")


def test_implementation_specific_parameters(registry: PluginRegistry) -> None:
    implementation = (
        load("implementation_specific_parameters.yaml", registry).tests[0].services["server"].implementation
    )
    assert implementation == YourImplementationConfig(
        name="your_implementation",
        type="iut",
        performance_mode="balanced",
        custom_crypto=False,
        debug_level=0,
        runtime_parameters={"optimization_level": "high", "buffer_size": "64KB"},
    )


def test_performance_testing(registry: PluginRegistry) -> None:
    test = load("performance_testing.yaml", registry).tests[0]
    [(profiler, options)] = test.execution_environments
    assert profiler is registry.load("execution_environment", "gperf_cpu")
    assert options["duration"] == 60
    implementation = test.services["server"].implementation
    assert isinstance(implementation, YourImplementationConfig)
    # No `type` in the guide's fragment: an implementation is an iut unless it says otherwise.
    assert (implementation.type, implementation.performance_mode) == ("iut", "throughput")


def test_integration_with_testers(registry: PluginRegistry) -> None:
    test = load("integration_with_testers.yaml", registry).tests[0]
    ivy = test.services["ivy_tester"]
    assert ivy.manager_class is PantherIvyTester
    assert ivy.implementation == IvyTesterConfig(name="panther_ivy", type="testers", test="quic_client_test_max")
    assert ivy.protocol.version is None
    assert test.services["your_client"].protocol.target == "ivy_tester"


def test_configuration_testing_file(registry: PluginRegistry) -> None:
    experiment = load("test_config.yaml", registry)
    assert experiment.name == "test_config"
    assert experiment.config.logging.level == "DEBUG"
    assert experiment.config.observers.metrics.enabled
    test = experiment.tests[0]
    assert (test.config.description, test.config.steps.wait) == ("Test your protocol implementation", 45)
    server = test.services["server"]
    assert server.protocol_class is YourProtocol
    assert (server.config.timeout, server.config.ports) == (60, ["8080:8080"])
    assert isinstance(server.implementation, YourImplementationConfig)
    assert (server.implementation.performance_mode, server.implementation.debug_level) == ("high", 1)
    assert test.services["client"].config.timeout == 50
    assert test.execution_environments[0][1]["duration"] == 30


def test_debug_mode(registry: PluginRegistry) -> None:
    implementation = load("debug_mode.yaml", registry).tests[0].services["server"].implementation
    assert isinstance(implementation, YourImplementationConfig)
    assert implementation.debug_level == 2
    assert implementation.runtime_parameters == {"verbose_logging": True}


@pytest.mark.parametrize("path", FILES, ids=[path.stem for path in FILES])
def test_cli_validate_accepts_example(path: Path) -> None:
    pytest.importorskip("panther.cli.app", reason="the CLI is not part of this build yet")
    result = subprocess.run(
        [sys.executable, "-m", "panther", "validate", str(path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
