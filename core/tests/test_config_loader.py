"""What a loaded experiment holds, YAML features that must keep working, and plugin failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from panther import BaseServiceManager, register_plugin
from panther.config.errors import ConfigError
from panther.config.loader import load_experiment_text
from panther.config.models import ProtocolConfig
from panther.plugins.registry import PluginEntry, PluginRegistry
from panther_test_guide_plugins.config_schema import YourImplementationConfig
from panther_test_guide_plugins.ivy import PantherIvyTester
from panther_test_guide_plugins.protocols import QuicProtocol

SOURCE = Path("experiment.yaml")


@pytest.fixture(scope="module")
def registry() -> PluginRegistry:
    return PluginRegistry.discover()


def load_error(text: str, registry: PluginRegistry) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(text, SOURCE, registry)
    assert caught.value.file == SOURCE
    return caught.value


def test_defaults_are_filled_in(registry: PluginRegistry) -> None:
    experiment = load_experiment_text(
        """\
tests:
  - name: handshake
    services:
      server:
        implementation: {name: your_implementation}
        protocol: {name: quic, role: server}
""",
        SOURCE,
        registry,
    )
    assert experiment.name == "experiment"
    assert experiment.source == SOURCE
    [test] = experiment.tests
    assert (test.index, test.name, test.config.timeout, test.config.iterations) == (0, "handshake", 120.0, 1)
    assert test.network_environment_class is registry.load("network_environment", "local")
    assert test.network_environment_config.type == "local"
    assert test.execution_environments == []
    server = test.services["server"]
    assert server.name == "server"
    assert server.protocol == ProtocolConfig(name="quic", role="server")
    assert server.protocol_class is QuicProtocol
    assert server.implementation.type == "iut"


def test_anchors_aliases_and_merge_keys(registry: PluginRegistry) -> None:
    experiment = load_experiment_text(
        """\
tests:
  - name: first
    services:
      server: &server
        implementation: &implementation {name: your_implementation, debug_level: 1}
        protocol: {name: quic, role: server}
      client:
        implementation: *implementation
        protocol: &client {name: quic, role: client, target: server}
  - name: second
    services:
      server: *server
      client:
        implementation:
          <<: *implementation
          debug_level: 3
        protocol:
          <<: *client
          version: rfc9000
""",
        SOURCE,
        registry,
    )
    second = experiment.tests[1].services
    assert second["server"].implementation == experiment.tests[0].services["server"].implementation
    assert isinstance(second["client"].implementation, YourImplementationConfig)
    assert second["client"].implementation.debug_level == 3
    assert (second["client"].protocol.target, second["client"].protocol.version) == ("server", "rfc9000")


def test_error_inside_a_merged_mapping_points_at_its_own_key(registry: PluginRegistry) -> None:
    error = load_error(
        """\
tests:
  - name: first
    services:
      server:
        implementation: &base {name: your_implementation}
        protocol: {name: quic, role: server}
      client:
        implementation:
          <<: *base
          debug_level: loud
        protocol: {name: quic, role: client, target: server}
""",
        registry,
    )
    assert (error.path, error.line, error.found) == (
        "tests[0].services.client.implementation.debug_level",
        10,
        '"loud" (text)',
    )


def test_guide_spelling_testers_means_tester(registry: PluginRegistry) -> None:
    experiment = load_experiment_text(
        """\
tests:
  - name: ivy
    services:
      ivy:
        implementation: {name: panther_ivy, type: testers, test: quic_server_test_stream}
        protocol: {name: quic, role: server}
      client:
        implementation: {name: your_implementation}
        protocol: {name: quic, role: peer, target: ivy}
""",
        SOURCE,
        registry,
    )
    ivy = experiment.tests[0].services["ivy"]
    assert ivy.manager_class is PantherIvyTester
    assert ivy.manager_class(ivy.implementation).generate_run_argv(role="server")[0] == "quic_server_test_stream"


def test_numeric_keys_are_names(registry: PluginRegistry) -> None:
    experiment = load_experiment_text(
        """\
tests:
  - name: numbers
    services:
      1:
        implementation: {name: your_implementation}
        protocol: {name: quic, role: server}
""",
        SOURCE,
        registry,
    )
    assert list(experiment.tests[0].services) == ["1"]


def test_second_test_is_named_in_errors(registry: PluginRegistry) -> None:
    error = load_error(
        """\
tests:
  - name: good
    services:
      server:
        implementation: {name: your_implementation}
        protocol: {name: quic, role: server}
  - name: bad
    services:
      server:
        implementation: {name: your_implementation}
        protocol: {name: quic, role: server, version: 1}
""",
        registry,
    )
    assert error.message == "wrong type for `version` (put the value in quotes to make it text)"
    assert (error.path, error.line, error.expected, error.found) == (
        "tests[1].services.server.protocol.version",
        11,
        "text or null (nothing)",
        "1 (an integer)",
    )


def _registry_with(registry: PluginRegistry, *extra: PluginEntry) -> PluginRegistry:
    return PluginRegistry([*registry.entries(), *extra])


def test_plugin_that_fails_to_import_is_a_config_error(registry: PluginRegistry) -> None:
    broken = PluginEntry("iut", "broken_quic", "panther_no_such_module:Manager", "panther-iut-broken-quic", "0.3.0")
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(
            """\
tests:
  - name: t
    services:
      server:
        implementation: {name: broken_quic}
        protocol: {name: quic, role: server}
""",
            SOURCE,
            _registry_with(registry, broken),
        )
    error = caught.value
    assert "panther-iut-broken-quic" in error.message
    assert "No module named 'panther_no_such_module'" in error.message
    assert (error.path, error.line) == ("tests[0].services.server.implementation.name", 5)


def test_two_distributions_claiming_a_protocol_is_a_config_error(registry: PluginRegistry) -> None:
    rival = PluginEntry("protocol", "quic", "panther_rival_quic:Quic", "panther-rival-quic", "2.0.0")
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(
            """\
tests:
  - name: t
    services:
      server:
        implementation: {name: your_implementation}
        protocol:
          name: quic
          role: server
""",
            SOURCE,
            _registry_with(registry, rival),
        )
    error = caught.value
    assert "panther-test-guide-plugins" in error.message and "panther-rival-quic" in error.message
    assert (error.path, error.line) == ("tests[0].services.server.protocol.name", 7)


def test_disabled_plugin_says_so(registry: PluginRegistry) -> None:
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(
            """\
tests:
  - name: t
    services:
      server:
        implementation: {name: your_implementation}
        protocol: {name: your_protocol, role: server}
""",
            SOURCE,
            PluginRegistry.discover(disabled=["your_protocol"]),
        )
    assert "is disabled" in caught.value.message
    assert (caught.value.path, caught.value.line) == ("tests[0].services.server.protocol.name", 6)


@register_plugin(plugin_type="iut", name="odd_config")
class OddConfigManager(BaseServiceManager):
    """A plugin whose config_class msgspec cannot decode into."""

    config_class = 42  # type: ignore[assignment]

    def _get_implementation_name(self) -> str:
        return "odd_config"

    def _get_binary_name(self) -> str:
        return "odd"


def test_plugin_with_unusable_config_class_is_named(registry: PluginRegistry) -> None:
    odd = PluginEntry("iut", "odd_config", f"{__name__}:OddConfigManager", "panther-iut-odd", "1.0")
    with pytest.raises(ConfigError) as caught:
        load_experiment_text(
            """\
tests:
  - name: t
    services:
      server:
        implementation: {name: odd_config}
        protocol: {name: quic, role: server}
""",
            SOURCE,
            _registry_with(registry, odd),
        )
    assert "OddConfigManager declares a config_class that cannot be used (42)" in caught.value.message
    assert (caught.value.path, caught.value.line) == ("tests[0].services.server.implementation", 5)
