"""The Docker image of quiche's apps (``programs: upstream``): cloudflare/quiche at a
pinned tag, its apps built by cargo. (The image of PANTHER's own programs comes from
the Rust base: ``generate_cargo_dockerfile()``.)

As quiche's own Dockerfile does, the apps crate is built through its manifest
(``cargo build --release --manifest-path apps/Cargo.toml``): BoringSSL comes from
the ``boring`` crate, which needs cmake and clang in the builder stage. quiche
0.29 needs Rust 1.88 or newer. Both programs are linked statically against
BoringSSL, so the runtime stage needs no TLS library.
"""

from __future__ import annotations

from panther.services.docker_build import DockerBuilderFactory

from panther_iut_quiche.config_schema import QUICHE_REPOSITORY
from panther_iut_quiche.upstream import CLIENT_PROGRAM, SERVER_PROGRAM

BUILDER_IMAGE = "rust:1.88-bookworm"
BINARIES = (SERVER_PROGRAM, CLIENT_PROGRAM)


def dockerfile(ref: str, cargo_build: list[str]) -> str:
    builder = DockerBuilderFactory.create_builder(
        implementation_name="quiche",
        language="rust",
        repo_url=QUICHE_REPOSITORY,
        ref=ref,
        base_image=BUILDER_IMAGE,
        build_packages=["cmake", "clang", "pkg-config"],
        build_commands=[[*cargo_build, "--manifest-path", "apps/Cargo.toml"]],
        binaries=[f"target/release/{binary}" for binary in BINARIES],
        runtime_packages=["ca-certificates"],
    )
    return builder.generate_complete_dockerfile()
