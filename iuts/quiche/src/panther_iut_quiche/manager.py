"""How PANTHER runs quiche: ``QuicheServiceManager``.

``RustQUICServiceManager`` supplies the QUIC arguments, the key log variable, the
readiness probe, the cargo build step and the Rust runtime environment; this class
adds the command lines of quiche's two programs (``quiche-server`` for a server,
``quiche-client`` for a client), where to find them on this host, and the Docker
image built from upstream.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, ClassVar

from panther.plugins.manifest import register_plugin
from panther.services.manager import ServiceManagerError
from panther_base_quic.option_table import capabilities, supported_features
from panther_base_rust.quic import RustQUICServiceManager

from panther_iut_quiche import commands
from panther_iut_quiche.__about__ import __version__
from panther_iut_quiche.config_schema import QuicheConfig
from panther_iut_quiche.dockerfile import BINARIES, dockerfile
from panther_iut_quiche.options import FEATURES, TEST_CASES

SERVER_BINARY, CLIENT_BINARY = BINARIES
BINARY_DIR_VARIABLE = "PANTHER_QUICHE_DIR"
HOW_TO_GET = (
    "build quiche's apps from https://github.com/cloudflare/quiche "
    "('cargo build --release --manifest-path apps/Cargo.toml'; needs cmake and clang), then set binary_path "
    f"under implementation: to quiche-server, quiche-client or their folder, or {BINARY_DIR_VARIABLE} to "
    "target/release, or put both on PATH; or run the test in the docker_compose network environment, "
    "which builds them in an image"
)


@register_plugin(
    plugin_type="iut",
    name="quiche",
    version=__version__,
    description="quiche (QUIC, Rust): quiche-server and quiche-client",
    supported_protocols=["quic"],
    capabilities=capabilities(FEATURES),
)
class QuicheServiceManager(RustQUICServiceManager):
    """Runs ``quiche-server`` or ``quiche-client``."""

    config_class: ClassVar[type[QuicheConfig]] = QuicheConfig
    config: QuicheConfig
    test_cases = TEST_CASES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set by _do_prepare when the program for this service's role is found on this host.
        self.binary: str | None = None

    def _get_implementation_name(self) -> str:
        return "quiche"

    def _get_binary_name(self) -> str:
        role = self.context.role if self.context is not None else "server"
        return CLIENT_BINARY if role == "client" else SERVER_BINARY

    def _get_executable(self, **kwargs: Any) -> list[str]:
        if self.binary:
            return [self.binary]
        name = CLIENT_BINARY if kwargs.get("role") == "client" else SERVER_BINARY
        return [str(self._configured_path(name) or name)]

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return commands.server_args(kwargs)

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return commands.client_args(kwargs)

    def _get_peer_specific_args(self, **kwargs: Any) -> list[str]:
        raise ServiceManagerError("quiche: quiche's apps run as a server or a client, not as a peer")

    def _get_cargo_features(self) -> list[str]:
        # qlog is a default feature of the apps today; named so that it stays on.
        return ["qlog"]

    def _get_rust_runtime_config(self) -> dict[str, str]:
        return {**super()._get_rust_runtime_config(), "RUST_LOG": self.config.log_level}

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        environment = super().get_run_environment(role, **kwargs)
        environment.update(commands.run_environment(role, {**self.run_arguments(role), **kwargs}))
        return environment

    def _configured_path(self, name: str) -> Path | None:
        """``binary_path`` names either program or the folder holding both."""
        if not self.config.binary_path:
            return None
        path = Path(self.config.binary_path)
        return path / name if path.is_dir() else path.parent / name

    def _locate(self, name: str) -> str | None:
        configured = self._configured_path(name)
        if configured is not None:
            return str(configured) if configured.is_file() else None
        folder = os.environ.get(BINARY_DIR_VARIABLE)
        if folder and (Path(folder) / name).is_file():
            return str(Path(folder) / name)
        return shutil.which(name)

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        if self.context is not None and self.context.environment != "local":
            return  # the image built from generate_dockerfile_content() holds the programs
        name = self._get_binary_name()
        found = self._locate(name)
        if found is None:
            configured = self._configured_path(name)
            where = f"{configured} does not exist" if configured else f"not in ${BINARY_DIR_VARIABLE} nor on PATH"
            raise ServiceManagerError(f"quiche: {name} was not found ({where}): {HOW_TO_GET}")
        self.binary = found

    def get_supported_features(self) -> dict[str, bool]:
        return supported_features(FEATURES)

    def generate_dockerfile_content(self) -> str:
        return dockerfile(self.config.quiche_ref, self.cargo_build_argv())
