"""RustServiceMixin and RustQUICServiceManager: build command, runtime environment, commands,
and the build of a shipped cargo project in the preparation."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
from pathlib import Path

import pytest
from panther.events import EventBus, ServicePreparationEvent
from panther.services.context import ServiceContext
from panther.services.manager import ServiceManagerError
from panther.testing import require_peer
from panther_base_rust import RustServiceMixin, cargo, docker
from panther_base_rust.cargo import CargoBuildError, CargoProject, find_cargo
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


# ---------------------------------------------------------------- a shipped cargo project
HELLO = Path(__file__).parent / "hello"


class HelloRust(MinimalRustQuic):
    """A plugin whose program is the hello project, built by the base."""

    def _get_binary_name(self) -> str:
        return "panther-hello"

    def _get_cargo_project(self) -> CargoProject | None:
        return CargoProject(path=HELLO, package="panther-hello", version="0.1.0", binaries=("panther-hello",))

    def _get_cargo_features(self) -> list[str]:
        return ["shout"]

    def _get_rust_runtime_config(self) -> dict[str, str]:
        return {**super()._get_rust_runtime_config(), "GREETING_NAME": "panther"}


def _context(tmp_path: Path, environment: str = "local") -> ServiceContext:
    return ServiceContext(
        name="hello",
        role="server",
        test_name="t",
        host_output_dir=tmp_path,
        output_dir=tmp_path,
        environment=environment,
    )


def test_prepare_builds_the_program_that_the_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_peer("cargo", find_cargo() is not None, "install Rust (https://rustup.rs)")
    monkeypatch.setenv("PANTHER_CACHE_DIR", str(tmp_path / "cache"))
    bus, events = EventBus(), []
    bus.subscribe(events.append)
    manager = HelloRust(context=_context(tmp_path), event_bus=bus)
    manager.prepare()
    argv = manager.generate_run_argv(role="server")
    assert argv[0].startswith(str(tmp_path / "cache" / "rust" / "panther-hello" / "builds"))
    environment = {**manager.get_run_environment("server"), "PATH": os.environ["PATH"]}
    done = subprocess.run(argv, capture_output=True, text=True, env=environment, check=True)
    # The feature and the runtime configuration both took effect.
    assert done.stdout.strip() == "HELLO PANTHER"
    # Besides the base's own "prepare" start and end, one build was announced.
    preparations = [
        event for event in events if isinstance(event, ServicePreparationEvent) and event.preparation_type != "prepare"
    ]
    assert [event.preparation_type for event in preparations] == ["cargo build"]
    assert "panther-hello" in preparations[0].detail and "with cargo" in preparations[0].detail

    # A second service (another test, another run) finds the program built: no event.
    again = HelloRust(context=_context(tmp_path), event_bus=bus)
    again.prepare()
    assert again.generate_run_argv(role="server")[0] == argv[0]
    builds = [
        event for event in events if isinstance(event, ServicePreparationEvent) and event.preparation_type != "prepare"
    ]
    assert len(builds) == 1


def test_in_a_container_the_image_builds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no cargo: nothing may try to build here
    manager = HelloRust(context=_context(tmp_path, environment="docker_compose"))
    manager.prepare()
    assert manager.cargo_build is None
    assert manager.generate_run_argv(role="server") == ["panther-hello"]


def test_missing_cargo_names_the_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PANTHER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CARGO_HOME", raising=False)
    with pytest.raises(ServiceManagerError, match=r"^minimal: cargo is not installed"):
        HelloRust(context=_context(tmp_path)).prepare()


def test_the_dockerfile_builds_with_the_hosts_toolchain_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PANTHER_CACHE_DIR", str(tmp_path / "cache"))
    text = HelloRust().generate_cargo_dockerfile()
    assert text is not None
    target = tmp_path / "cache" / "rust" / "panther-hello" / "target"
    assert "ARG PANTHER_BUILDER_IMAGE=debian:bookworm" in text
    assert re.search(r"apt-get install -y --no-install-recommends .*\bcmake\b.*\bg\+\+.*\blibclang-dev\b", text)
    # The host's paths, so that cargo finds what the host's cache compiled fresh.
    assert f"COPY target {target}" in text and f'CARGO_TARGET_DIR="{target}"' in text
    assert 'RUN ["cargo", "build", "--release", "--features", "shout", "--locked", "--offline"]' in text
    assert f"COPY --from=builder {target}/release/panther-hello /usr/local/bin/panther-hello" in text
    assert "# Sources: panther-hello 0.1.0-" in text


def test_the_build_context_holds_toolchain_crates_target_and_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_peer("cargo", find_cargo() is not None, "install Rust (https://rustup.rs)")
    monkeypatch.setenv("PANTHER_CACHE_DIR", str(tmp_path / "cache"))
    project = HelloRust()._get_cargo_project()
    assert project is not None
    built = cargo.build(project, ["shout"])
    context = tmp_path / "context"
    with docker.build_context(project, context):
        assert (context / "toolchain" / "bin" / "cargo").is_file() and (
            context / "toolchain" / "bin" / "rustc"
        ).is_file()
        assert not (context / "toolchain" / "share").exists()  # no documentation
        assert sorted(p.name for p in (context / "source").rglob("*") if p.is_file()) == sorted(
            p.name for p in HELLO.rglob("*") if p.is_file()
        )
        assert (context / "target" / "release" / "panther-hello").is_file()
        assert not list((context / "registry").rglob("*.crate"))  # hello needs no crate
        # The cache is locked while the engine reads the context: a host build waits.
        with open(tmp_path / "cache" / "rust" / "panther-hello" / "lock", "a") as lock, pytest.raises(BlockingIOError):
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    with open(tmp_path / "cache" / "rust" / "panther-hello" / "lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert built.binary("panther-hello").is_file()


def test_the_build_context_takes_only_the_locked_crates(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    for crate in ("needed-1.0.0", "other-2.0.0"):
        (registry / "cache" / "index.example").mkdir(parents=True, exist_ok=True)
        (registry / "cache" / "index.example" / f"{crate}.crate").write_bytes(b"archive")
        (registry / "src" / "index.example" / crate).mkdir(parents=True)
        (registry / "src" / "index.example" / crate / "lib.rs").write_text("")
    project_folder = tmp_path / "project"
    project_folder.mkdir()
    (project_folder / "Cargo.lock").write_text(
        'version = 4\n\n[[package]]\nname = "needed"\nversion = "1.0.0"\n'
        f'source = "{docker.CRATES_IO}"\n\n[[package]]\nname = "mine"\nversion = "0.1.0"\n'
    )
    project = CargoProject(path=project_folder, package="mine", version="0.1.0", binaries=("mine",))
    assert docker.locked_crates(project) == ["needed-1.0.0"]
    docker._copy_crates(project, registry, tmp_path / "out")
    copied = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert copied == ["cache/index.example/needed-1.0.0.crate", "src/index.example/needed-1.0.0/lib.rs"]
    # A crate cargo fetch did not leave in the registry is named.
    (registry / "cache" / "index.example" / "needed-1.0.0.crate").unlink()
    with pytest.raises(CargoBuildError, match="needed-1.0.0"):
        docker._copy_crates(project, registry, tmp_path / "again")


def test_a_toolchain_older_than_the_project_is_refused(tmp_path: Path) -> None:
    require_peer("cargo", find_cargo() is not None, "install Rust (https://rustup.rs)")
    project = CargoProject(
        path=HELLO, package="panther-hello", version="0.1.0", binaries=("panther-hello",), rust_version="99.0"
    )
    refused = pytest.raises(CargoBuildError, match=r"needs Rust 99.0 or newer; this host's toolchain is 1\.")
    with refused, docker.build_context(project, tmp_path):
        pass


def test_without_a_toolchain_the_image_cannot_be_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("CARGO_HOME", raising=False)
    refused = pytest.raises(ServiceManagerError, match=r"^minimal: no Rust toolchain on this host")
    with refused, HelloRust().docker_build_context(tmp_path / "context"):
        pass


def test_the_dockerfile_is_the_same_for_the_same_sources() -> None:
    assert HelloRust().generate_cargo_dockerfile() == HelloRust().generate_cargo_dockerfile()
    assert MinimalRustQuic().generate_cargo_dockerfile() is None
