"""``RustServiceMixin``: how a Rust implementation is built and configured, for any protocol.

Placed before a protocol base (``class X(RustServiceMixin, BaseQUICServiceManager)``),
it adds the cargo build command and the Rust runtime environment; everything about
the protocol stays in the protocol base.
"""

from __future__ import annotations

import shlex
from typing import Any

from panther.services.manager import BaseServiceManager, ServiceManagerError

DEFAULT_RUNTIME_CONFIG = {"RUST_LOG": "info", "RUST_BACKTRACE": "1"}


class RustServiceMixin(BaseServiceManager):
    """Cargo features for the build, ``RUST_LOG``/``TOKIO_WORKER_THREADS``... for the run."""

    def _get_cargo_features(self) -> list[str]:
        """Cargo features the implementation is built with."""
        return []

    def _get_rust_runtime_config(self) -> dict[str, str]:
        """Environment variables of the Rust runtime (logging, backtraces, thread pools)."""
        return dict(DEFAULT_RUNTIME_CONFIG)

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
        features = self._get_cargo_features()
        for feature in features:
            if not feature or "," in feature or any(character.isspace() for character in feature):
                raise ServiceManagerError(
                    f"{self._get_implementation_name()}: invalid cargo feature {feature!r} "
                    "(a feature name has no spaces or commas)"
                )
        if features:
            argv.extend(["--features", ",".join(features)])
        return argv

    def cargo_build_command(self, *, release: bool = True) -> str:
        """The same build step as one shell-safe line, for a Dockerfile ``RUN``."""
        return shlex.join(self.cargo_build_argv(release=release))

    def cargo_binary_path(self, *, release: bool = True) -> str:
        """Where cargo puts the binary, relative to the crate (or workspace) root."""
        return f"target/{'release' if release else 'debug'}/{self._get_binary_name()}"
