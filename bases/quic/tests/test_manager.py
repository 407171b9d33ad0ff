"""BaseQUICServiceManager: a guide-style plugin, its commands for both roles, its extras."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from panther.config.errors import ConfigError
from panther.services.context import ServiceContext
from panther_base_quic import BaseQUICServiceManager, QUICConfig
from panther_base_quic.probe import version_negotiation_probe


class MinimalQuic(BaseQUICServiceManager):
    """Exactly the two required methods, as in the IUT development guide."""

    def _get_implementation_name(self) -> str:
        return "minimal"

    def _get_binary_name(self) -> str:
        return "minimal-quic"


class GuideQuic(MinimalQuic):
    """The QUIC example of the guide (its server and client arguments)."""

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        args = ["-p", str(kwargs.get("port", 4443))]
        if kwargs.get("cert_file"):
            args.extend(["-c", kwargs["cert_file"]])
        return args

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return [
            kwargs["host"],
            str(kwargs["port"]),
            "--alpn",
            kwargs["alpn"],
            "-v",
            f"{kwargs['quic_version_wire']:08x}",
        ]


def test_minimal_subclass_needs_only_the_two_required_methods() -> None:
    manager = MinimalQuic()
    assert manager.generate_run_argv(role="server") == ["minimal-quic"]
    assert manager.generate_run_argv(role="client") == ["minimal-quic"]
    assert manager.get_readiness_probe("127.0.0.1", 4443) is not None


def test_server_command_with_defaults_and_guide_check() -> None:
    manager = GuideQuic()
    assert manager.generate_run_argv(role="server") == ["minimal-quic", "-p", "4443"]
    command = manager.generate_run_command(role="server", port=8080, cert_file="/tls/cert pem")
    assert "minimal-quic" in command and "8080" in command
    assert "'/tls/cert pem'" in command  # a value with a space stays one quoted word


def test_client_command_gets_target_alpn_and_version() -> None:
    argv = GuideQuic().generate_run_argv(role="client", quic_version="draft29")
    assert argv == ["minimal-quic", "127.0.0.1", "4443", "--alpn", "hq-interop", "-v", "ff00001d"]


def test_unknown_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown QUIC version 'v9'"):
        GuideQuic().generate_run_argv(role="client", quic_version="v9")


def test_deployment_address_beats_the_implementation_keys(tmp_path: Path) -> None:
    config = msgspec.convert({"name": "minimal", "port": 5555, "cert_file": "/mine/cert.pem"}, QUICConfig)
    assert GuideQuic(config).generate_run_argv(role="server") == ["minimal-quic", "-p", "5555", "-c", "/mine/cert.pem"]
    context = ServiceContext(
        name="client",
        role="client",
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=tmp_path,
        host="::1",
        port=7000,
        target="server",
    )
    assert GuideQuic(config, context=context).generate_run_argv(role="client")[1:3] == ["::1", "7000"]


def test_common_parameters_are_schema_checked() -> None:
    with pytest.raises(msgspec.ValidationError, match="port"):
        msgspec.convert({"port": "four"}, QUICConfig)
    with pytest.raises(msgspec.ValidationError, match="unknown field `cert`"):
        msgspec.convert({"cert": "x"}, QUICConfig)


def test_key_log_goes_to_sslkeylogfile(tmp_path: Path) -> None:
    context = ServiceContext(
        name="server",
        role="server",
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=tmp_path,
        arguments={"keylog_file": "/out/keys.log"},
    )
    assert GuideQuic(context=context).get_run_environment("server") == {"SSLKEYLOGFILE": "/out/keys.log"}
    assert GuideQuic().get_run_environment("server") == {}


def test_supported_features_carry_the_guide_keys() -> None:
    features = MinimalQuic().get_supported_features()
    assert {"rfc9000", "key_updates", "0rtt", "connection_migration", "multipath"} <= set(features)
    assert features["rfc9000"] is True
    features["multipath"] = True  # a plugin's changes must not leak into the base's table
    assert MinimalQuic().get_supported_features()["multipath"] is False


def test_readiness_probe_targets_the_given_address() -> None:
    assert (
        MinimalQuic().get_readiness_probe("127.0.0.1", 9).describe()
        == version_negotiation_probe("127.0.0.1", 9).describe()
    )
