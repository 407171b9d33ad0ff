"""The guide's plugins behave as the guide's own tests say they do."""

from __future__ import annotations

import msgspec
import pytest
from panther import EventBus, ServicePreparationEvent
from panther_test_guide_plugins.config_schema import YourImplementationConfig
from panther_test_guide_plugins.ivy import IvyTesterConfig, PantherIvyTester
from panther_test_guide_plugins.protocols import QuicProtocol
from panther_test_guide_plugins.your_implementation import YourServiceManager


def test_server_command_has_binary_port_and_mode() -> None:
    manager = YourServiceManager(YourImplementationConfig(performance_mode="high"))
    command = manager.generate_run_command(role="server", port=8080, config_file="/app/config.yaml")
    assert command.split()[:3] == ["your_binary", "--listen", "127.0.0.1:8080"]
    assert "--config /app/config.yaml" in command
    assert command.endswith("--high-performance")


def test_client_command_connects_to_target() -> None:
    manager = YourServiceManager()
    argv = manager.generate_run_argv(role="client", host="10.0.0.2", port=9090, persistent=True)
    assert argv == ["your_binary", "--connect", "10.0.0.2:9090", "--keep-alive"]


def test_prepare_emits_a_preparation_event() -> None:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(seen.append)
    YourServiceManager(event_bus=bus).prepare()
    # The base reports the preparation around the plugin's own event.
    kinds = [(event.preparation_type, event.status) for event in seen if isinstance(event, ServicePreparationEvent)]
    assert kinds == [("prepare", "started"), ("custom_setup", None), ("prepare", "finished")]


def test_config_rejects_unknown_keys() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `performance`"):
        msgspec.convert({"name": "your_implementation", "performance": "high"}, YourImplementationConfig)


def test_ivy_runs_the_named_test() -> None:
    tester = PantherIvyTester(IvyTesterConfig(name="panther_ivy", type="testers", test="quic_client_test_max"))
    assert tester.generate_run_argv(role="server", host="127.0.0.1", port=4443)[0] == "quic_client_test_max"


def test_quic_versions() -> None:
    assert QuicProtocol.versions["rfc9000"] == 1
