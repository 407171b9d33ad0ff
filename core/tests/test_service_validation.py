"""``validate_service``: a plugin's own check of a service's blocks, when the file is loaded."""

from __future__ import annotations

from typing import Any

import pytest
from panther import ImplementationConfig, ProtocolConfig, ServiceConfigError
from panther.config.errors import ConfigError
from panther_test_demo_plugins.manager import DemoEchoServiceManager
from runner_support import load

EXPERIMENT = """\
tests:
  - name: echo
    services:
      server:
        implementation: {name: demo_echo}
        protocol: {name: demo, role: server}
      client:
        implementation:
          name: demo_echo
          message: hi
        protocol:
          name: demo
          role: client
          target: server
          transport: udp
"""
MATRIX = """\
tests:
  - name: echoes
    matrix: {tester: demo_cases, servers: [demo_echo], clients: [demo_echo], cases: [tcp, udp]}
"""


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """What ``validate_service`` of demo_echo is called with; it refuses UDP clients."""
    calls: list[tuple[Any, Any]] = []

    def validate(cls: type, implementation: ImplementationConfig, protocol: ProtocolConfig) -> None:
        calls.append((implementation, protocol))
        if protocol.role == "client" and getattr(protocol, "transport", None) == "udp":
            raise ServiceConfigError(
                "demo_echo: this client cannot use UDP", key="protocol.transport", expected="tcp", found="udp"
            )

    monkeypatch.setattr(DemoEchoServiceManager, "validate_service", classmethod(validate))
    return calls


def test_a_refusal_points_at_the_key_the_plugin_names(tmp_path, seen) -> None:
    with pytest.raises(ConfigError) as refused:
        load(EXPERIMENT, tmp_path)
    error = refused.value
    assert (error.message, error.path, error.line, error.expected, error.found) == (
        "demo_echo: this client cannot use UDP",
        "tests[0].services.client.protocol.transport",
        15,
        "tcp",
        "udp",
    )
    # Both blocks arrive decoded by their plugins.
    implementation, protocol = seen[-1]
    assert (type(implementation).__name__, implementation.message) == ("DemoEchoConfig", "hi")
    assert (type(protocol).__name__, protocol.role) == ("DemoProtocolConfig", "client")


def test_a_matrix_cell_is_checked_too(tmp_path, seen) -> None:
    with pytest.raises(ConfigError) as refused:
        load(MATRIX, tmp_path)
    assert refused.value.message.startswith(
        "the tester `demo_cases` made an invalid test for the cell echoes/udp/demo_echo/demo_echo: "
        "demo_echo: this client cannot use UDP (at services.client.protocol.transport)"
    )
    assert refused.value.line == 3


@pytest.mark.parametrize(
    ("raised", "message"),
    [
        (ValueError("demo_echo: no such pairing"), "demo_echo: no such pairing"),
        (
            KeyError("transport"),
            "the plugin panther_test_demo_plugins.manager.DemoEchoServiceManager failed to check this service "
            "(validate_service): KeyError: 'transport'",
        ),
    ],
)
def test_a_plain_value_error_or_a_plugin_bug_is_reported_at_the_implementation(
    tmp_path, monkeypatch, raised: Exception, message: str
) -> None:
    def validate(cls: type, implementation: Any, protocol: Any) -> None:
        raise raised

    monkeypatch.setattr(DemoEchoServiceManager, "validate_service", classmethod(validate))
    with pytest.raises(ConfigError) as refused:
        load(EXPERIMENT, tmp_path)
    assert (refused.value.message, refused.value.path, refused.value.line) == (
        message,
        "tests[0].services.server.implementation",
        5,
    )


def test_a_plugin_that_checks_nothing_loads_as_before(tmp_path) -> None:
    experiment = load(EXPERIMENT, tmp_path)
    assert [test.name for test in experiment.tests] == ["echo"]
