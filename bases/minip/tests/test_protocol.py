"""The ``minip`` protocol plugin: its declaration, its config, and what it hands clients."""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import msgspec
import pytest
from panther.plugins.manifest import manifest_of
from panther.protocols import TestContext as ProtocolTest
from panther.services.context import ServiceContext
from panther_base_minip import MinipProtocol, MinipProtocolConfig


def test_registered_under_the_protocol_entry_point() -> None:
    (entry,) = [ep for ep in entry_points(group="panther.protocol") if ep.name == "minip"]
    assert entry.load() is MinipProtocol
    manifest = manifest_of(MinipProtocol)
    assert manifest is not None and manifest.plugin_type == "protocol" and manifest.name == "minip"
    assert (MinipProtocol.transport, MinipProtocol.default_port) == ("udp", 4443)


def test_config_bounds_are_enforced() -> None:
    with pytest.raises(msgspec.ValidationError, match="payload_size"):
        msgspec.convert({"name": "minip", "role": "client", "payload_size": 1201}, MinipProtocolConfig)


def test_prepare_hands_clients_their_count_and_payload_size(tmp_path: Path) -> None:
    def context(name: str, role: str) -> ServiceContext:
        return ServiceContext(
            name=name, role=role, test_name="t", host_output_dir=tmp_path / name, output_dir=tmp_path / name
        )

    test = ProtocolTest(
        name="t",
        iteration=0,
        output_dir=tmp_path,
        services={"server": context("server", "server"), "client": context("client", "client")},
        protocol_configs={
            "server": MinipProtocolConfig(name="minip", role="server"),
            "client": MinipProtocolConfig(name="minip", role="client", target="server", count=9, payload_size=0),
        },
    )
    MinipProtocol().prepare_test(test)
    assert test.services["client"].arguments == {"count": 9, "payload_size": 0}
    assert test.services["server"].arguments == {}


def test_prepare_hands_a_server_the_count_of_the_clients_that_target_it(tmp_path: Path) -> None:
    def context(name: str, role: str, target: str | None = None) -> ServiceContext:
        return ServiceContext(
            name=name,
            role=role,
            test_name="t",
            host_output_dir=tmp_path / name,
            output_dir=tmp_path / name,
            target=target,
        )

    services = {
        "server": context("server", "server"),
        "other": context("other", "server"),
        "a": context("a", "client", "server"),
        "b": context("b", "client", "server"),
    }
    test = ProtocolTest(
        name="t",
        iteration=1,
        output_dir=tmp_path,
        services=services,
        protocol_configs={
            "server": MinipProtocolConfig(name="minip", role="server"),
            "other": MinipProtocolConfig(name="minip", role="server"),
            "a": MinipProtocolConfig(name="minip", role="client", target="server", count=3),
            "b": MinipProtocolConfig(name="minip", role="client", target="server", count=4),
        },
    )
    MinipProtocol().prepare_test(test)
    assert test.services["server"].arguments == {"count": 7}
    assert test.services["other"].arguments == {}
