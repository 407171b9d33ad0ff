"""How PANTHER runs picoquic: ``PicoquicServiceManager``.

``BaseQUICServiceManager`` supplies the QUIC arguments, the key log variable and the
readiness probe; this class adds picoquicdemo's command lines, where to find the
program on this host, and the Docker image built from upstream.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from panther.plugins.manifest import register_plugin
from panther.services.manager import ServiceManagerError
from panther.services.outcome import Check, ServiceOutcome
from panther_base_quic import BaseQUICServiceManager
from panther_base_quic.option_table import capabilities, supported_features

from panther_iut_picoquic import commands
from panther_iut_picoquic.__about__ import __version__
from panther_iut_picoquic.config_schema import PicoquicConfig
from panther_iut_picoquic.dockerfile import dockerfile
from panther_iut_picoquic.options import FEATURES, TEST_CASES
from panther_iut_picoquic.qlog_evidence import write_evidence

BINARY = "picoquicdemo"
BINARY_DIR_VARIABLE = "PANTHER_PICOQUIC_DIR"
HOW_TO_GET = (
    "build it from https://github.com/private-octopus/picoquic (picotls next to it, then "
    "'cmake -S . -B build && cmake --build build --target picoquicdemo'), then set binary_path "
    f"under implementation:, or {BINARY_DIR_VARIABLE} to the folder holding {BINARY}, or put it on PATH; "
    "or run the test in the docker_compose network environment, which builds it in an image"
)


@register_plugin(
    plugin_type="iut",
    name="picoquic",
    version=__version__,
    description="picoquic (QUIC, C): picoquicdemo as server and client",
    supported_protocols=["quic"],
    capabilities=capabilities(FEATURES),
)
class PicoquicServiceManager(BaseQUICServiceManager):
    """Runs ``picoquicdemo`` as a QUIC server or client."""

    config_class: ClassVar[type[PicoquicConfig]] = PicoquicConfig
    config: PicoquicConfig
    test_cases = TEST_CASES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set by _do_prepare when the program is found on this host.
        self.binary: str | None = None

    def _get_implementation_name(self) -> str:
        return "picoquic"

    def _get_binary_name(self) -> str:
        return BINARY

    def _get_executable(self, **kwargs: Any) -> list[str]:
        return [self.binary or kwargs.get("binary_path") or BINARY]

    def _get_server_specific_args(self, **kwargs: Any) -> list[str]:
        return commands.server_args(kwargs)

    def _get_client_specific_args(self, **kwargs: Any) -> list[str]:
        return commands.client_args(kwargs)

    def _get_peer_specific_args(self, **kwargs: Any) -> list[str]:
        raise ServiceManagerError("picoquic: picoquicdemo runs as a server or a client, not as a peer")

    def _do_prepare(self, plugin_manager: Any = None) -> None:
        if self.context is not None and self.context.environment != "local":
            return  # the image built from generate_dockerfile_content() holds the program
        found = self.find_binary(BINARY, BINARY_DIR_VARIABLE)
        if found is None:
            where = (
                f"binary_path {self.config.binary_path!r} does not exist"
                if self.config.binary_path
                else (f"not in ${BINARY_DIR_VARIABLE} nor on PATH")
            )
            raise ServiceManagerError(f"picoquic: {BINARY} was not found ({where}): {HOW_TO_GET}")
        self.binary = found

    def get_supported_features(self) -> dict[str, bool]:
        return supported_features(FEATURES)

    def generate_dockerfile_content(self) -> str:
        return dockerfile(self.config)

    def evaluate(self, outcome: ServiceOutcome) -> list[Check]:
        # The quic protocol judges version and ALPN from qlog files after this runs;
        # picoquic's own qlog shape is restated for it (see qlog_evidence).
        if not outcome.start_error:
            write_evidence(Path(outcome.output_dir) / "qlog", outcome.role, Path(outcome.stdout))
        return super().evaluate(outcome)
