"""The Dockerfile of a shipped cargo project: a Rust build stage, the programs in a slim image.

The project's sources travel inside the Dockerfile (a base64 tar.gz, written by a few
``RUN`` steps and unpacked in the build stage), so the image builds from the
Dockerfile alone, with no build context: crates come from crates.io (or the builder
image's cargo registry). The builder image needs a Rust toolchain as recent as the
project's ``rust-version``; it is a build argument, so an engine that cannot pull
``rust:<version>-bookworm`` can be given a local image with Rust installed.
"""

from __future__ import annotations

import base64
import gzip
import io
import tarfile
from collections.abc import Sequence

from panther.services.docker_build import DockerBuilderFactory

from panther_base_rust.cargo import CargoProject

# cmake (with the builder image's C/C++ compiler) builds C dependencies such as
# BoringSSL; libclang serves bindgen.
BUILD_PACKAGES = ("cmake", "libclang-dev", "pkg-config")
# In the build stage's working folder, removed once unpacked.
_ARCHIVE = ".panther-source.b64"
# Dockerfile lines stay well under the 64 KiB a Dockerfile parser reads at once.
_CHUNK = 32 * 1024


def source_archive(project: CargoProject) -> str:
    """The project's sources as a base64 tar.gz, the same bytes for the same sources."""
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for relative in project.source_files():
            data = (project.path / relative).read_bytes()
            info = tarfile.TarInfo(relative.as_posix())
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            archive.addfile(info, io.BytesIO(data))
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def unpack_commands(project: CargoProject) -> list[list[str]]:
    """``RUN`` steps that write the sources into the build stage's working folder."""
    encoded = source_archive(project)
    chunks = [encoded[start : start + _CHUNK] for start in range(0, len(encoded), _CHUNK)]
    commands = [
        ["sh", "-c", f"printf %s {chunk} {'>' if index == 0 else '>>'} {_ARCHIVE}"]
        for index, chunk in enumerate(chunks)
    ]
    commands.append(["sh", "-c", f"base64 -d {_ARCHIVE} | tar -xz && rm {_ARCHIVE}"])
    return commands


def builder_image(project: CargoProject) -> str:
    return f"rust:{project.rust_version}-bookworm" if project.rust_version else "rust:bookworm"


def cargo_check(project: CargoProject) -> list[str]:
    """A first build step that fails clearly when the builder image has no cargo (an
    engine that could not pull the Rust image may have substituted a plain one)."""
    need = f"Rust {project.rust_version} or newer" if project.rust_version else "Rust"
    message = (
        f"the builder image has no cargo: tag an image with {need} as {builder_image(project)} on this engine, "
        "or build with --build-arg PANTHER_BUILDER_IMAGE=<that image>"
    )
    return ["sh", "-c", f"command -v cargo >/dev/null || {{ echo '{message}' >&2; exit 1; }}"]


def cargo_dockerfile(
    implementation_name: str,
    project: CargoProject,
    cargo_build: Sequence[str],
    *,
    runtime_packages: Sequence[str] = (),
) -> str:
    """A two-stage Dockerfile: ``cargo_build`` (``cargo build --release --features ...``)
    over the embedded sources, then the project's programs in the runtime image."""
    builder = DockerBuilderFactory.create_builder(
        implementation_name=implementation_name,
        language="rust",
        base_image=builder_image(project),
        build_packages=list(BUILD_PACKAGES),
        build_commands=[cargo_check(project), *unpack_commands(project), [*cargo_build, "--locked"]],
        binaries=[f"target/release/{name}" for name in project.binaries],
        runtime_packages=list(runtime_packages),
    )
    return builder.generate_complete_dockerfile()
