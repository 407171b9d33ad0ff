"""Building the cargo project a plugin ships, once per source, in the user's cache.

A plugin whose programs come as Rust source inside its distribution describes them
with a :class:`CargoProject`; :func:`build` compiles them with cargo and keeps the
result in the cache folder (``$PANTHER_CACHE_DIR``, else ``$XDG_CACHE_HOME/panther``,
else ``~/.cache/panther``), so that the next run on the machine, and every other
test of a run, finds them ready::

    rust/<package>/target/         cargo's target folder, shared by every build of the
                                   package: dependencies (BoringSSL...) compile once
    rust/<package>/source/         the copy cargo builds (the installed package may be read-only)
    rust/<package>/builds/<key>/   the programs of one build and ``build.json`` (the
                                   newest three builds are kept)
    rust/<package>/lock            held while building: concurrent runs wait, then reuse

The key is the package version and a digest of the sources (``Cargo.lock`` included,
so the version of every crate counts), the features and the profile.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CACHE_VARIABLE = "PANTHER_CACHE_DIR"
#: Builds of one package kept in the cache (the newest); older ones are removed.
KEPT_BUILDS = 3
BUILD_RECORD = "build.json"
BUILD_LOG = "build.log"
# What is never part of a project's sources.
_SKIPPED = frozenset({"target", "__pycache__"})
_LOG_TAIL_LINES = 25


class CargoBuildError(Exception):
    """cargo is missing or the build failed; the message says what to do."""


@dataclass(frozen=True)
class CargoProject:
    """A cargo package shipped as source: where it is and which programs it makes."""

    path: Path
    package: str
    version: str
    binaries: tuple[str, ...]
    # The oldest Rust that builds it (Cargo.toml's rust-version): names the Docker builder image.
    rust_version: str = ""
    # What the first build needs besides cargo, for the error when cargo is missing.
    requirements: str = ""

    def source_files(self) -> list[Path]:
        """The files of the project, relative to its folder, sorted."""
        files = []
        for path in sorted(self.path.rglob("*")):
            relative = path.relative_to(self.path)
            if path.is_file() and not any(part in _SKIPPED or part.startswith(".") for part in relative.parts):
                files.append(relative)
        return files


@dataclass(frozen=True)
class CargoBuild:
    """The programs of one build, in the cache."""

    folder: Path
    key: str
    # False: found in the cache, nothing was compiled.
    compiled: bool
    seconds: float

    def binary(self, name: str) -> Path:
        return self.folder / name


def cache_root() -> Path:
    """The user's PANTHER cache folder."""
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "panther"


def find_cargo() -> str | None:
    """cargo on PATH, else where rustup puts it (``$CARGO_HOME/bin``, ``~/.cargo/bin``)."""
    found = shutil.which("cargo")
    if found:
        return found
    homes = [os.environ.get("CARGO_HOME"), str(Path.home() / ".cargo")]
    for home in homes:
        if home and (Path(home) / "bin" / "cargo").is_file():
            return str(Path(home) / "bin" / "cargo")
    return None


def build_key(project: CargoProject, features: Sequence[str], *, release: bool = True) -> str:
    """``<version>-<digest>``: what decides whether a build in the cache fits."""
    digest = hashlib.sha256()
    for relative in project.source_files():
        digest.update(str(relative).encode() + b"\0")
        digest.update((project.path / relative).read_bytes() + b"\0")
    digest.update(",".join(sorted(features)).encode())
    digest.update(b"release" if release else b"debug")
    digest.update(platform.machine().encode())
    return f"{project.version}-{digest.hexdigest()[:16]}"


def cargo_argv(
    cargo: str, manifest: Path, features: Sequence[str], *, release: bool = True, command: str = "build"
) -> list[str]:
    """``cargo build`` (or ``command``) of the package at ``manifest``, locked to its Cargo.lock."""
    argv = [cargo, command, "--locked", "--manifest-path", str(manifest)]
    if release:
        argv.append("--release")
    if features:
        argv += ["--features", ",".join(features)]
    return argv


@contextmanager
def locked(path: Path, waiting: Callable[[], None]) -> Iterator[None]:
    """Hold the lock file ``path`` (``waiting`` is told when another process holds it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _cached(folder: Path, project: CargoProject) -> bool:
    return (folder / BUILD_RECORD).is_file() and all((folder / name).is_file() for name in project.binaries)


def _tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-_LOG_TAIL_LINES:])


def build(
    project: CargoProject,
    features: Sequence[str] = (),
    *,
    release: bool = True,
    announce: Callable[[str], None] = lambda message: None,
    cache: Path | None = None,
    cargo: str | None = None,
    timeout: float | None = None,
) -> CargoBuild:
    """The programs of ``project`` built with ``features``: from the cache, else compiled
    now (``announce`` is told before a compilation starts, and while it waits for
    another process compiling the same package). ``timeout``: seconds cargo may take."""
    began = time.monotonic()
    if not (project.path / "Cargo.lock").is_file():
        raise CargoBuildError(f"{project.package} ships no Cargo.lock in {project.path}: builds are --locked")
    root = (cache or cache_root()) / "rust" / project.package
    key = build_key(project, features, release=release)
    folder = root / "builds" / key
    if _cached(folder, project):
        return CargoBuild(folder, key, compiled=False, seconds=time.monotonic() - began)
    cargo = cargo or find_cargo()
    if cargo is None:
        needs = f" ({project.requirements})" if project.requirements else ""
        raise CargoBuildError(
            f"cargo is not installed: building {', '.join(project.binaries)} from source needs Rust's cargo{needs}; "
            "install Rust (https://rustup.rs) so that cargo is on PATH or in ~/.cargo/bin"
        )
    with locked(root / "lock", lambda: announce(f"waiting for another build of {project.package} to finish")):
        if _cached(folder, project):  # built by the process we waited for
            return CargoBuild(folder, key, compiled=False, seconds=time.monotonic() - began)
        return _compile(project, features, release, cargo, root, key, began, announce, timeout)


def _copy_sources(project: CargoProject, root: Path) -> Path:
    """A fresh copy of the project's sources for cargo (the lock is held)."""
    source = root / "source"
    shutil.rmtree(source, ignore_errors=True)
    for relative in project.source_files():
        (source / relative).parent.mkdir(parents=True, exist_ok=True)
        # A plain copy (new mtime): cargo must see the sources as changed.
        shutil.copyfile(project.path / relative, source / relative)
    return source


def run_tests(
    project: CargoProject, features: Sequence[str] = (), *, cache: Path | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """``cargo test --release`` of ``project`` in the cache's target folder, where its
    dependencies are already built; what cargo printed is in the result."""
    cargo = find_cargo()
    if cargo is None:
        raise CargoBuildError(f"cargo is not installed: testing {project.package} needs it")
    root = (cache or cache_root()) / "rust" / project.package
    with locked(root / "lock", lambda: None):
        source = _copy_sources(project, root)
        return subprocess.run(
            cargo_argv(cargo, source / "Cargo.toml", features, command="test"),
            capture_output=True,
            text=True,
            env={**os.environ, "CARGO_TARGET_DIR": str(root / "target")},
            cwd=source,
            timeout=timeout,
            check=False,
        )


def _compile(
    project: CargoProject,
    features: Sequence[str],
    release: bool,
    cargo: str,
    root: Path,
    key: str,
    began: float,
    announce: Callable[[str], None],
    timeout: float | None,
) -> CargoBuild:
    source = _copy_sources(project, root)
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    log = builds / f"{key}.log"
    argv = cargo_argv(cargo, source / "Cargo.toml", features, release=release)
    announce(
        f"building {', '.join(project.binaries)} ({project.package} {project.version}) with cargo; "
        f"the first build takes minutes, later runs reuse it; log: {log}"
    )
    environment = {**os.environ, "CARGO_TARGET_DIR": str(root / "target")}
    with open(log, "w") as output:
        output.write(f"$ {' '.join(argv)}\n")
        output.flush()
        try:
            completed = subprocess.run(
                argv, stdout=output, stderr=subprocess.STDOUT, env=environment, cwd=source, check=False, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            raise CargoBuildError(
                f"cargo build of {project.package} took more than {timeout:.0f} s; log: {log}"
            ) from None
        except OSError as error:
            raise CargoBuildError(f"cargo could not be started ({cargo}): {error.strerror}") from None
    if completed.returncode != 0:
        raise CargoBuildError(
            f"cargo build of {project.package} failed (exit {completed.returncode}); log: {log}\n{_tail(log)}"
        )
    staging = builds / f"{key}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    profile = "release" if release else "debug"
    for name in project.binaries:
        built = root / "target" / profile / name
        if not built.is_file():
            raise CargoBuildError(f"cargo build of {project.package} made no {name} (looked in {built.parent})")
        shutil.copy2(built, staging / name)
    seconds = time.monotonic() - began
    record = {"package": project.package, "version": project.version, "features": list(features), "seconds": seconds}
    shutil.move(str(log), staging / BUILD_LOG)
    (staging / BUILD_RECORD).write_text(json.dumps(record, indent=1) + "\n")
    folder = builds / key
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    _prune(builds)
    return CargoBuild(folder, key, compiled=True, seconds=seconds)


def _prune(builds: Path) -> None:
    """Keep the newest builds: each change of the sources would otherwise add one for good."""
    finished = sorted(
        (path for path in builds.iterdir() if (path / BUILD_RECORD).is_file()),
        key=lambda path: (path / BUILD_RECORD).stat().st_mtime_ns,
        reverse=True,
    )
    for old in finished[KEPT_BUILDS:]:
        shutil.rmtree(old, ignore_errors=True)
