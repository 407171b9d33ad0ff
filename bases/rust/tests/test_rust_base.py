"""RustServiceMixin and RustQUICServiceManager: build command, runtime environment, commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError
from panther_base_rust import RustServiceMixin
from panther_base_rust.quic import RustQUICServiceManager


class MinimalRustQuic(RustQUICServiceManager):
    """Exactly the two required methods."""

    def _get_implementation_name(self) -> str:
        return "minimal"

    def _get_binary_name(self) -> str:
        return "quic-server"


class GuideRustQuic(MinimalRustQuic):
    """The guide's Rust example."""

    def _get_cargo_features(self) -> list[str]:
        return ["tokio-runtime", "ring-crypto"]

    def _get_rust_runtime_config(self) -> dict[str, str]:
        return {"RUST_LOG": "debug", "TOKIO_WORKER_THREADS": "4"}


def test_minimal_subclass_builds_and_runs_with_defaults() -> None:
    manager = MinimalRustQuic()
    assert manager.cargo_build_argv() == ["cargo", "build", "--release"]
    assert manager.generate_run_argv(role="server") == ["quic-server"]
    assert manager.get_run_environment("server") == {"RUST_LOG": "info", "RUST_BACKTRACE": "1"}
    assert manager.cargo_binary_path() == "target/release/quic-server"


def test_guide_subclass_build_command_and_environment(tmp_path: Path) -> None:
    context = ServiceContext(
        name="s",
        role="server",
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=tmp_path,
        arguments={"keylog_file": "/out/keys.log"},
    )
    manager = GuideRustQuic(context=context)
    assert manager.cargo_build_argv() == ["cargo", "build", "--release", "--features", "tokio-runtime,ring-crypto"]
    assert manager.cargo_build_command(release=False) == "cargo build --features tokio-runtime,ring-crypto"
    assert manager.get_run_environment("server") == {
        "SSLKEYLOGFILE": "/out/keys.log",
        "RUST_LOG": "debug",
        "TOKIO_WORKER_THREADS": "4",
    }


def test_quic_part_comes_from_the_quic_base() -> None:
    manager = MinimalRustQuic()
    assert manager.run_arguments("server")["port"] == 4443
    assert manager.get_supported_features()["rfc9000"] is True
    assert manager.get_readiness_probe("127.0.0.1", 4443) is not None


def test_bad_feature_names_are_refused() -> None:
    class Bad(MinimalRustQuic):
        def _get_cargo_features(self) -> list[str]:
            return ["a,b"]

    with pytest.raises(ServiceManagerError, match="minimal: invalid cargo feature 'a,b'"):
        Bad().cargo_build_argv()


def test_non_string_runtime_settings_are_refused() -> None:
    class Bad(MinimalRustQuic):
        def _get_rust_runtime_config(self) -> dict[str, str]:
            return {"RUST_LOG": None}  # type: ignore[dict-item]

    with pytest.raises(ServiceManagerError, match="RUST_LOG must be a string"):
        Bad().get_run_environment("server")


def test_the_mixin_stands_alone_for_other_protocols() -> None:
    class Plain(RustServiceMixin):
        def _get_implementation_name(self) -> str:
            return "plain"

        def _get_binary_name(self) -> str:
            return "plain-bin"

    assert Plain().generate_run_argv(role="client") == ["plain-bin"]
    assert Plain().get_run_environment("client")["RUST_LOG"] == "info"
