"""BaseTCPServiceManager and the ``tcp`` protocol plugin, against real sockets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import msgspec
import pytest
from panther.plugins.manifest import manifest_of
from panther.services.context import ServiceContext
from panther.services.readiness import TcpConnectProbe
from panther_base_tcp import BaseTCPServiceManager, TCPConfig, TCPProtocol


class LineServer(BaseTCPServiceManager):
    """A plugin as the guide writes one: the two required methods and its flags."""

    def _get_implementation_name(self) -> str:
        return "line"

    def _get_binary_name(self) -> str:
        return "line-server"

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--listen", f"{kwargs['host']}:{kwargs['port']}"]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--connect", f"{kwargs['host']}:{kwargs['port']}"]


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_address_defaults_then_configuration_then_deployment(tmp_path: Path) -> None:
    assert LineServer().generate_run_argv(role="server") == ["line-server", "--listen", "127.0.0.1:9000"]
    configured = LineServer(TCPConfig(host="::1", port=7000))
    assert configured.generate_run_argv(role="client")[-1] == "::1:7000"
    context = ServiceContext(
        name="s", role="server", test_name="t", host_output_dir=tmp_path, output_dir=tmp_path, host="10.0.0.2"
    )
    context.port = 8123
    deployed = LineServer(TCPConfig(port=7000), context=context)
    assert deployed.generate_run_argv(role="server")[-1] == "10.0.0.2:8123"


def test_a_subclass_changes_the_default_port() -> None:
    class Redis(LineServer):
        default_port = 6379

    assert "6379" in Redis().generate_run_command(role="server")


def test_ready_when_a_tcp_connection_succeeds(listener: int) -> None:
    probe = LineServer().get_readiness_probe("127.0.0.1", listener)
    assert isinstance(probe, TcpConnectProbe)
    assert probe.attempt(timeout=2.0) is True
    assert LineServer().get_readiness_probe("127.0.0.1", _closed_port()).attempt(timeout=0.5) is False  # type: ignore[union-attr]


def test_configuration_refuses_unknown_keys() -> None:
    with pytest.raises(msgspec.ValidationError, match="bogus"):
        msgspec.convert({"name": "line", "bogus": 1}, TCPConfig)


def test_tcp_protocol_plugin_is_registered() -> None:
    (entry,) = [ep for ep in entry_points(group="panther.protocol") if ep.name == "tcp"]
    assert entry.load() is TCPProtocol
    manifest = manifest_of(TCPProtocol)
    assert manifest is not None and (manifest.plugin_type, manifest.name) == ("protocol", "tcp")
    assert (TCPProtocol.transport, TCPProtocol.default_port) == ("tcp", 9000)


def test_guide_import_path_gives_the_same_class() -> None:
    from panther.plugins.services.base.tcp_service_base import BaseTCPServiceManager as guide_class

    assert guide_class is BaseTCPServiceManager
