"""How PANTHER runs quiche: ``QuicheServiceManager``.

``RustQUICServiceManager`` supplies the QUIC arguments, the key log variable, the
readiness probe, the cargo build and the Rust runtime environment; this class
chooses the programs (``programs:``), writes their command lines, finds or builds
them, and describes their Docker image:

- ``panther`` (the default): PANTHER's own ``panther-quiche-server`` and
  ``panther-quiche-client`` over the quiche crate, built by the Rust base with cargo
  in the preparation (once per machine: the build is cached) or in the image;
- ``upstream``: quiche's apps ``quiche-server`` and ``quiche-client``, found on this
  host, or built from the upstream repository in the image.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from panther.plugins.manifest import register_plugin
from panther.services.manager import ServiceManagerError
from panther_base_quic.case_support import CaseSupport
from panther_base_quic.option_table import Feature, capabilities, supported_features
from panther_base_rust.cargo import CargoProject
from panther_base_rust.quic import RustQUICServiceManager

from panther_iut_quiche import programs, upstream
from panther_iut_quiche.__about__ import __version__
from panther_iut_quiche.config_schema import QuicheConfig
from panther_iut_quiche.dockerfile import dockerfile
from panther_iut_quiche.options import FEATURES, TEST_CASES, UPSTREAM_FEATURES, UPSTREAM_TEST_CASES

BINARY_DIR_VARIABLE = "PANTHER_QUICHE_DIR"
HOW_TO_GET = (
    "build quiche's apps from https://github.com/cloudflare/quiche "
    "('cargo build --release --manifest-path apps/Cargo.toml'; needs cmake and clang), then set binary_path "
    f"under implementation: to quiche-server, quiche-client or their folder, or {BINARY_DIR_VARIABLE} to "
    "target/release, or put both on PATH; or run the test in the docker_compose network environment, "
    "which builds them in an image; or leave programs: at its default, panther, whose programs are built "
    "with cargo on first use"
)


@register_plugin(
    plugin_type="iut",
    name="quiche",
    version=__version__,
    description="quiche (QUIC, Rust): PANTHER's interop programs over the quiche crate, or quiche's apps",
    supported_protocols=["quic"],
    capabilities=capabilities(FEATURES),
)
class QuicheServiceManager(RustQUICServiceManager):
    """Runs quiche's server or client: PANTHER's own programs, or quiche's apps."""

    config_class: ClassVar[type[QuicheConfig]] = QuicheConfig
    config: QuicheConfig

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set by _do_prepare when quiche's app for this service's role is found on this host.
        self.binary: str | None = None

    @property
    def own_programs(self) -> bool:
        return self.config.programs == "panther"

    def _get_implementation_name(self) -> str:
        return "quiche"

    def _program(self, role: str) -> str:
        kind = programs if self.own_programs else upstream
        return kind.CLIENT_PROGRAM if role == "client" else kind.SERVER_PROGRAM

    def _get_binary_name(self) -> str:
        return self._program(self.context.role if self.context is not None else "server")

    def _get_executable(self, **kwargs: Any) -> list[str]:
        name = self._program(str(kwargs.get("role", "server")))
        configured = self._configured_path(name)
        if configured is not None:
            return [str(configured)]
        if self.own_programs and self.cargo_build is not None:
            return [str(self.cargo_build.binary(name))]
        return [self.binary or name]

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return programs.server_args(kwargs) if self.own_programs else upstream.server_args(kwargs)

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return programs.client_args(kwargs) if self.own_programs else upstream.client_args(kwargs)

    def _get_peer_specific_args(self, **kwargs: Any) -> list[str]:
        raise ServiceManagerError("quiche: quiche's programs run as a server or a client, not as a peer")

    def _get_cargo_project(self) -> CargoProject | None:
        # Built here unless binary_path names programs already built.
        return programs.PROJECT if self.own_programs and not self.config.binary_path else None

    def _get_cargo_features(self) -> list[str]:
        # qlog: both kinds of programs write one qlog file per connection with it.
        return ["qlog"]

    def _get_rust_runtime_config(self) -> dict[str, str]:
        return {**super()._get_rust_runtime_config(), "RUST_LOG": self.config.log_level}

    def get_run_environment(self, role: str, **kwargs: Any) -> dict[str, str]:
        environment = super().get_run_environment(role, **kwargs)
        if not self.own_programs:
            environment.update(upstream.run_environment(role, {**self.run_arguments(role), **kwargs}))
        return environment

    def _configured_path(self, name: str) -> Path | None:
        """``binary_path`` names either program or the folder holding both."""
        if not self.config.binary_path:
            return None
        path = Path(self.config.binary_path)
        return path / name if path.is_dir() else path.parent / name

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        if not self._builds_here():
            return  # the image built from generate_dockerfile_content() holds the programs
        name = self._get_binary_name()
        configured = self._configured_path(name)
        if configured is not None:
            if not configured.is_file():
                raise ServiceManagerError(f"quiche: {name} was not found ({configured} does not exist)")
            self.binary = str(configured)
        elif self.own_programs:
            super()._do_prepare(plugin_manager)  # the Rust base builds them, or finds them built
        else:
            self.binary = self._find_upstream(name)

    def _find_upstream(self, name: str) -> str:
        folder = os.environ.get(BINARY_DIR_VARIABLE)
        if folder and (Path(folder) / name).is_file():
            return str(Path(folder) / name)
        found = shutil.which(name)
        if found is None:
            raise ServiceManagerError(
                f"quiche: {name} was not found (not in ${BINARY_DIR_VARIABLE} nor on PATH): {HOW_TO_GET}"
            )
        return found

    def features(self) -> dict[str, Feature]:
        """The feature table of the programs this service runs."""
        return dict(FEATURES if self.own_programs else UPSTREAM_FEATURES)

    def get_supported_features(self) -> dict[str, bool]:
        return supported_features(self.features())

    def case_support(self) -> Mapping[str, CaseSupport]:
        return TEST_CASES if self.own_programs else UPSTREAM_TEST_CASES

    def generate_dockerfile_content(self) -> str:
        if self.own_programs:
            built = self.generate_cargo_dockerfile(runtime_packages=["ca-certificates"])
            assert built is not None  # the project is shipped with the plugin
            return built
        return dockerfile(self.config.quiche_ref, self.cargo_build_argv())
