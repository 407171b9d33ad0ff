"""BaseMinipServiceManager: a guide-style minimal plugin, its commands, its readiness probe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from panther.services.context import ServiceContext
from panther.testing import UdpResponder
from panther_base_minip import BaseMinipServiceManager, MinipConfig, minip_probe
from panther_base_minip.wire import PING, PROBE_SEQUENCE, decode


class MinimalMinip(BaseMinipServiceManager):
    """Exactly the two required methods, as in the IUT development guide."""

    def _get_implementation_name(self) -> str:
        return "minimal"

    def _get_binary_name(self) -> str:
        return "minimal-minip"


class FlaggedMinip(MinimalMinip):
    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--listen", f"{kwargs['host']}:{kwargs['port']}"]

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return ["--connect", f"{kwargs['host']}:{kwargs['port']}", "--count", str(kwargs.get("count", 1))]


def test_minimal_subclass_needs_only_the_two_required_methods() -> None:
    manager = MinimalMinip()
    assert manager.generate_run_argv(role="server") == ["minimal-minip"]
    assert manager.get_supported_features() == {"minip_v1": True}
    assert manager.get_readiness_probe("127.0.0.1", 4443) is not None


def test_defaults_without_a_deployment() -> None:
    manager = FlaggedMinip()
    assert manager.generate_run_argv(role="server") == ["minimal-minip", "--listen", "127.0.0.1:4443"]
    assert manager.generate_run_argv(role="client", count=3) == [
        "minimal-minip",
        "--connect",
        "127.0.0.1:4443",
        "--count",
        "3",
    ]


def test_implementation_keys_then_deployment_decide_the_address(tmp_path: Path) -> None:
    config = msgspec.convert({"name": "minimal", "port": 5000, "host": "::1"}, MinipConfig)
    assert FlaggedMinip(config).generate_run_argv(role="server")[-1] == "::1:5000"
    context = ServiceContext(
        name="server",
        role="server",
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=tmp_path,
        host="127.0.0.2",
        port=6000,
    )
    assert FlaggedMinip(config, context=context).generate_run_argv(role="server")[-1] == "127.0.0.2:6000"


def test_the_guide_command_string_check() -> None:
    command = FlaggedMinip().generate_run_command(role="server", port=8080)
    assert "minimal-minip" in command and "8080" in command


def test_unknown_implementation_key_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError, match="unknown field `colour`"):
        msgspec.convert({"colour": "red"}, MinipConfig)


def test_probe_succeeds_against_a_real_minip_server(minip_server: UdpResponder) -> None:
    probe = minip_probe("127.0.0.1", minip_server.port)
    assert probe.attempt(timeout=2.0) is True
    request = decode(minip_server.received[-1])
    assert request.type == PING and request.sequence == PROBE_SEQUENCE


def test_probe_fails_cleanly_where_nothing_listens(silent_port: int) -> None:
    assert minip_probe("127.0.0.1", silent_port).attempt(timeout=0.2) is False


def test_probe_rejects_a_peer_answering_garbage(garbage_echo: UdpResponder) -> None:
    assert minip_probe("127.0.0.1", garbage_echo.port).attempt(timeout=2.0) is False
    assert garbage_echo.received, "the garbage peer must have been asked"


def _responder_test(respond: Callable[[bytes], bytes | None]) -> bool:
    responder = UdpResponder(respond)
    try:
        return minip_probe("127.0.0.1", responder.port).attempt(timeout=2.0)
    finally:
        responder.close()


def test_probe_accepts_any_faithful_pong() -> None:
    # Turning the PING into a PONG byte for byte is exactly what a server must do.
    assert _responder_test(lambda data: bytes([0x02]) + data[1:]) is True


def test_probe_rejects_a_pong_that_does_not_echo_the_probe() -> None:
    assert _responder_test(lambda data: bytes([0x02]) + data[1:-1] + bytes([data[-1] ^ 0xFF])) is False
