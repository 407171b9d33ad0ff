"""The image of a shipped cargo project: a Rust build stage, the programs in a slim image.

The engine PANTHER runs against may pull no image, and the containers it starts may
not trust the network's TLS; so the build stage takes nothing from a registry:

- its Rust toolchain is this host's (the one ``cargo`` runs here; ``rustc -vV`` is
  written into the Dockerfile, so another toolchain makes another image), copied
  onto the base image (Debian bookworm, like the host), with the Debian packages
  BoringSSL-like C dependencies need (cmake, g++, libclang for bindgen);
- its crates are those of the project's ``Cargo.lock``, fetched on this host by
  ``cargo fetch --locked`` (from the host's registry cache, else crates.io) and
  copied into the build context; the build is ``--offline``;
- the project's sources are copied into the build context too; the Dockerfile names
  their digest (the key of :func:`panther_base_rust.cargo.build_key`), so the
  image's tag, a digest of the Dockerfile, changes with them.

The build stage mirrors the host's paths: the cargo home, and the cache's source and
target folders (:mod:`panther_base_rust.cargo`). The host's cached target folder is
copied in, while the cache's lock is held, so cargo's own freshness checks (which
compare the toolchain, the features, the sources' paths and times) reuse what a
build on this host already compiled (BoringSSL...) and compile only what changed.
Nothing is written back to the host's cache.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from panther.services.docker_build import BUILDER_IMAGE_ARG, RUNTIME_IMAGE_ARG, DockerBuilderFactory

from panther_base_rust import cargo
from panther_base_rust.cargo import CargoBuildError, CargoProject

# cmake, make and g++ build C/C++ dependencies such as BoringSSL; libclang serves bindgen.
BUILD_PACKAGES = ("cmake", "make", "g++", "libclang-dev", "pkg-config")
#: The builder stage starts from Debian bookworm (the environment may put its own
#: Debian base image in its place); the toolchain comes from the build context.
BUILDER_BASE_IMAGE = "debian:bookworm"
#: Where the host's toolchain goes in the builder stage.
TOOLCHAIN = PurePosixPath("/opt/rust")
CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index"
# A ``key = "value"`` line of a Cargo.lock package (the format cargo writes).
_LOCK_KEY = re.compile(r'^(name|version|source) = "([^"]*)"$', re.MULTILINE)
# Folders of the build context.
CONTEXT_TOOLCHAIN, CONTEXT_REGISTRY, CONTEXT_TARGET, CONTEXT_SOURCE = "toolchain", "registry", "target", "source"


@dataclass(frozen=True)
class Toolchain:
    """The host's Rust toolchain: its folder and ``rustc -vV``."""

    sysroot: Path
    version: str

    @property
    def release(self) -> str:
        for line in self.version.splitlines():
            if line.startswith("release:"):
                return line.split(":", 1)[1].strip()
        return ""


@dataclass(frozen=True)
class BuildPaths:
    """The host's paths the builder stage mirrors."""

    cargo_home: PurePosixPath
    source: PurePosixPath
    target: PurePosixPath


def build_paths(project: CargoProject) -> BuildPaths:
    root = cargo.cache_root() / "rust" / project.package
    home = os.environ.get("CARGO_HOME") or str(Path.home() / ".cargo")
    return BuildPaths(
        PurePosixPath(Path(home).absolute()), PurePosixPath(root / "source"), PurePosixPath(root / "target")
    )


@functools.cache
def _toolchain(rustc: str) -> Toolchain | None:
    try:
        version = subprocess.run([rustc, "-vV"], capture_output=True, text=True, check=True, timeout=60).stdout
        sysroot = subprocess.run(
            [rustc, "--print", "sysroot"], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Toolchain(Path(sysroot), version.strip())


def host_toolchain() -> Toolchain | None:
    """The toolchain ``cargo`` uses on this host (rustup's default, or the only one)."""
    found = cargo.find_cargo()
    if found is None:
        return None
    rustc = Path(found).with_name("rustc")
    return _toolchain(str(rustc) if rustc.is_file() else "rustc")


def _older(release: str, wanted: str) -> bool:
    def numbers(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("-")[0].split(".") if part.isdigit())

    return bool(wanted) and numbers(release) < numbers(wanted)


def _run(command: Sequence[str]) -> str:
    return f"RUN {json.dumps(list(command))}"


def cargo_dockerfile(
    implementation_name: str,
    project: CargoProject,
    cargo_build: Sequence[str],
    *,
    features: Sequence[str] = (),
    runtime_packages: Sequence[str] = (),
) -> str:
    """A two-stage Dockerfile: ``cargo_build`` (``cargo build --release --features ...``)
    of the project with the host's toolchain and crates (the build context that
    :func:`build_context` writes), then the project's programs in the runtime image.
    ``features`` are those of ``cargo_build``: with the sources, they name the image."""
    paths = build_paths(project)
    toolchain = host_toolchain()
    runtime = DockerBuilderFactory.create_builder(
        implementation_name=implementation_name,
        language="rust",
        base_image=BUILDER_BASE_IMAGE,
        binaries=[str(paths.target / "release" / name) for name in project.binaries],
        runtime_packages=list(runtime_packages),
    )
    described = toolchain.version.splitlines()[0] if toolchain else "none found on the host"
    header = [
        f"# {implementation_name} (rust), generated by PANTHER's Rust base: the build context holds the host's",
        "# Rust toolchain, the crates of Cargo.lock and the host's cached target folder.",
        f"# Toolchain: {described}",
        f"# Sources: {project.package} {cargo.build_key(project, features)}",
        f"ARG {BUILDER_IMAGE_ARG}={BUILDER_BASE_IMAGE}",
        f"ARG {RUNTIME_IMAGE_ARG}={runtime.runtime_image}",
    ]
    builder = [
        f"FROM ${{{BUILDER_IMAGE_ARG}}} AS builder",
        "ENV DEBIAN_FRONTEND=noninteractive",
        f"RUN apt-get update && apt-get install -y --no-install-recommends {' '.join(BUILD_PACKAGES)}"
        " && rm -rf /var/lib/apt/lists/*",
        f"COPY {CONTEXT_TOOLCHAIN} {TOOLCHAIN}",
        f'ENV PATH="{TOOLCHAIN}/bin:$PATH" CARGO_HOME="{paths.cargo_home}" CARGO_TARGET_DIR="{paths.target}"'
        " CARGO_NET_OFFLINE=true",
        f"COPY {CONTEXT_REGISTRY} {paths.cargo_home / 'registry'}",
        f"COPY {CONTEXT_TARGET} {paths.target}",
        f"COPY {CONTEXT_SOURCE} {paths.source}",
        f"WORKDIR {paths.source}",
        _run([*cargo_build, "--locked", "--offline"]),
    ]
    return "\n\n".join(["\n".join(header), "\n".join(builder), runtime.generate_runtime_stage()]) + "\n"


@contextmanager
def build_context(project: CargoProject, folder: Path, *, timeout: float | None = None) -> Iterator[None]:
    """Write the build context of :func:`cargo_dockerfile` into ``folder``; the cache's
    lock is held until the block ends (the image is built), so that no build on this
    host changes the target folder while the engine reads it."""
    toolchain = host_toolchain()
    if toolchain is None:
        needs = f" ({project.requirements})" if project.requirements else ""
        raise CargoBuildError(
            f"no Rust toolchain on this host: the image of {project.package} is built with the host's "
            f"toolchain{needs}; install Rust (https://rustup.rs) so that cargo is on PATH or in ~/.cargo/bin"
        )
    if _older(toolchain.release, project.rust_version):
        raise CargoBuildError(
            f"{project.package} needs Rust {project.rust_version} or newer; this host's toolchain is "
            f"{toolchain.release} (rustup update)"
        )
    _copy_toolchain(toolchain.sysroot, folder / CONTEXT_TOOLCHAIN)
    paths = build_paths(project)
    _copy_sources(project, folder / CONTEXT_SOURCE)
    _fetch(project, folder / CONTEXT_SOURCE, timeout)
    _copy_crates(project, Path(paths.cargo_home) / "registry", folder / CONTEXT_REGISTRY)
    root = Path(paths.target).parent
    with cargo.locked(root / "lock", lambda: None):
        _link_tree(Path(paths.target), folder / CONTEXT_TARGET)
        yield


def _copy_sources(project: CargoProject, destination: Path) -> None:
    """Fresh copies (the time of the copy): cargo must see them as newer than anything
    compiled from another version of them."""
    for relative in project.source_files():
        (destination / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(project.path / relative, destination / relative)


def _fetch(project: CargoProject, source: Path, timeout: float | None) -> None:
    """``cargo fetch --locked``: the crates of Cargo.lock into the host's registry cache."""
    found = cargo.find_cargo()
    assert found is not None  # host_toolchain() found it
    try:
        completed = subprocess.run(
            [found, "fetch", "--locked", "--manifest-path", str(source / "Cargo.toml")],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise CargoBuildError(f"cargo fetch of {project.package} took more than {timeout:.0f} s") from None
    if completed.returncode != 0:
        raise CargoBuildError(f"cargo fetch of {project.package} failed:\n{completed.stderr.strip()}")


def locked_crates(project: CargoProject) -> list[str]:
    """``<name>-<version>`` of every crates.io package of the project's Cargo.lock."""
    crates = []
    for block in (project.path / "Cargo.lock").read_text().split("[[package]]")[1:]:
        package = dict(_LOCK_KEY.findall(block))
        if package.get("source") == CRATES_IO:
            crates.append(f"{package['name']}-{package['version']}")
    return sorted(crates)


def _copy_crates(project: CargoProject, registry: Path, destination: Path) -> None:
    """The registry's index cache, and the archives and unpacked sources of the locked
    crates only (the host's cache also holds every other project's crates)."""
    crates = locked_crates(project)
    _link_tree(registry / "index", destination / "index")
    for kind in ("cache", "src"):
        for index in sorted((registry / kind).glob("*")):
            for crate in crates:
                found = index / (f"{crate}.crate" if kind == "cache" else crate)
                if found.exists():
                    _link_tree(found, destination / kind / index.name / found.name)
    missing = [crate for crate in crates if not list(destination.glob(f"cache/*/{crate}.crate"))]
    if missing:
        raise CargoBuildError(f"cargo fetch left crates of {project.package} out of {registry}: {', '.join(missing)}")


def _copy_toolchain(sysroot: Path, destination: Path) -> None:
    """cargo, rustc and the libraries they need (no documentation, no other tools)."""
    for name in ("cargo", "rustc"):
        _link_tree(sysroot / "bin" / name, destination / "bin" / name)
    for library in (sysroot / "lib").glob("*.so*"):
        _link_tree(library, destination / "lib" / library.name)
    for entry in (sysroot / "lib" / "rustlib").iterdir():
        if entry.name not in ("src", "rustc-src"):
            _link_tree(entry, destination / "lib" / "rustlib" / entry.name)


def _link_tree(source: Path, destination: Path) -> None:
    """Hard links to ``source``'s files (times kept), copies where links cannot be made;
    an empty folder when there is no ``source``."""
    if not source.exists():
        destination.mkdir(parents=True, exist_ok=True)
        return
    if source.is_file() or source.is_symlink():
        destination.parent.mkdir(parents=True, exist_ok=True)
        _link(source, destination)
        return
    for directory, _, files in os.walk(source):
        relative = Path(directory).relative_to(source)
        (destination / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            _link(Path(directory) / name, destination / relative / name)


def _link(source: Path, destination: Path) -> None:
    if source.is_symlink():
        destination.symlink_to(os.readlink(source))
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
