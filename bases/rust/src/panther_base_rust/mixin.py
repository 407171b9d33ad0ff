"""``RustServiceMixin``: how a Rust implementation is built and configured, for any protocol.

Placed before a protocol base (``class X(RustServiceMixin, BaseQUICServiceManager)``),
it adds the cargo build and the Rust runtime environment; everything about the
protocol stays in the protocol base.

A plugin that ships its programs as Rust source names them with
``_get_cargo_project()``: the preparation (``_do_prepare``, before any test's clock
starts) builds them with ``cargo build --release --features <_get_cargo_features()>``
into the user's cache (:mod:`panther_base_rust.cargo`), and the command runs the
built program. In a container the image builds the same program
(:meth:`RustServiceMixin.generate_cargo_dockerfile`).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from panther.events import ServicePreparationEvent
from panther.services.manager import BaseServiceManager, ServiceManagerError

from panther_base_rust import cargo
from panther_base_rust.docker import build_context, cargo_dockerfile

DEFAULT_RUNTIME_CONFIG = {"RUST_LOG": "info", "RUST_BACKTRACE": "1"}


class RustServiceMixin(BaseServiceManager):
    """Cargo features for the build, ``RUST_LOG``/``TOKIO_WORKER_THREADS``... for the run."""

    #: The build of ``_get_cargo_project()`` once ``_do_prepare`` made or found it.
    cargo_build: cargo.CargoBuild | None = None

    def _get_cargo_features(self) -> list[str]:
        """Cargo features the implementation is built with."""
        return []

    def _get_rust_runtime_config(self) -> dict[str, str]:
        """Environment variables of the Rust runtime (logging, backtraces, thread pools)."""
        return dict(DEFAULT_RUNTIME_CONFIG)

    def _get_cargo_project(self) -> cargo.CargoProject | None:
        """The cargo project this plugin ships and builds; None: its program comes prebuilt."""
        return None

    def _builds_here(self) -> bool:
        """Whether the program runs on this host (a container's image builds its own)."""
        return self.context is None or self.context.environment == "local"

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        project = self._get_cargo_project()
        if project is None or not self._builds_here():
            return
        name = self._get_implementation_name()
        service = self.context.name if self.context is not None else name

        def announce(message: str) -> None:
            self.emit_event(
                ServicePreparationEvent(service_name=service, preparation_type="cargo build", detail=message)
            )

        try:
            self.cargo_build = cargo.build(project, self._checked_features(), announce=announce)
        except cargo.CargoBuildError as error:
            raise ServiceManagerError(f"{name}: {error}") from None

    def _get_executable(self, **kwargs: Any) -> list[str]:
        if self.cargo_build is not None:
            return [str(self.cargo_build.binary(self._get_binary_name()))]
        return super()._get_executable(**kwargs)

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        environment = dict(super().get_run_environment(role, **kwargs))
        for key, value in self._get_rust_runtime_config().items():
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise ServiceManagerError(
                    f"{self._get_implementation_name()}: Rust runtime setting {key} must be a string "
                    f"or a number, not {type(value).__name__}"
                )
            environment[key] = str(value)
        return environment

    def cargo_build_argv(self, *, release: bool = True) -> list[str]:
        """``cargo build --release --features a,b``: the build step of a Dockerfile."""
        argv = ["cargo", "build"]
        if release:
            argv.append("--release")
        features = self._checked_features()
        if features:
            argv.extend(["--features", ",".join(features)])
        return argv

    def _checked_features(self) -> list[str]:
        features = self._get_cargo_features()
        for feature in features:
            if not feature or "," in feature or any(character.isspace() for character in feature):
                raise ServiceManagerError(
                    f"{self._get_implementation_name()}: invalid cargo feature {feature!r} "
                    "(a feature name has no spaces or commas)"
                )
        return list(features)

    def cargo_build_command(self, *, release: bool = True) -> str:
        """The same build step as one shell-safe line, for a Dockerfile ``RUN``."""
        return shlex.join(self.cargo_build_argv(release=release))

    def cargo_binary_path(self, *, release: bool = True) -> str:
        """Where cargo puts the binary, relative to the crate (or workspace) root."""
        return f"target/{'release' if release else 'debug'}/{self._get_binary_name()}"

    def generate_cargo_dockerfile(self, *, runtime_packages: list[str] | None = None) -> str | None:
        """The image of ``_get_cargo_project()``: the same ``cargo build`` in a Rust
        build stage, the programs in a slim runtime stage (None: no project)."""
        project = self._get_cargo_project()
        if project is None:
            return None
        return cargo_dockerfile(
            self._get_implementation_name(),
            project,
            self.cargo_build_argv(),
            features=self._checked_features(),
            runtime_packages=runtime_packages or [],
        )

    def docker_build_context(self, folder: Path) -> AbstractContextManager[None]:
        """The host's toolchain, the locked crates and the cached target folder, for the
        image of ``_get_cargo_project()`` (:func:`panther_base_rust.docker.build_context`)."""
        project = self._get_cargo_project()
        if project is None:
            return super().docker_build_context(folder)
        return self._cargo_context(project, folder)

    @contextmanager
    def _cargo_context(self, project: cargo.CargoProject, folder: Path) -> Iterator[None]:
        try:
            with build_context(project, folder):
                yield
        except cargo.CargoBuildError as error:
            raise ServiceManagerError(f"{self._get_implementation_name()}: {error}") from None
