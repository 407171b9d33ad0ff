"""The Ivy tool environment: a virtual environment of its own, made once and cached.

``panther-ms-ivy`` (which provides ``ivyc`` and Ivy's standard library) and
``z3-solver`` are installed from PyPI into a virtual environment under the user's
cache folder, never into the environment the harness runs in: panther-ms-ivy also
installs top-level packages named ``api``, ``test``, ``doc``, ``scripts`` and
``examples``, which would shadow a user's own packages of those names (and the
standard library's ``test`` package), and it pins z3 versions of its own.

The environment is made on first use, under a lock so that tests prepared side by
side (``--jobs``, or several sessions at once) make it once; a marker written last
tells a finished environment from one whose installation was interrupted (which is
made again).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: What the tool environment is made of (pinned: a cached build is only valid for them).
REQUIREMENTS = ("panther-ms-ivy==1.10.1", "z3-solver==5.4.1.0")
#: Overrides where the tool environment and the compiled testers are kept.
CACHE_ENV = "PANTHER_IVY_CACHE"
#: Seconds the installation of the tool environment may take.
INSTALL_TIMEOUT = 900.0
COMPLETE_MARKER = ".panther-complete"


class ToolchainError(Exception):
    """The tool environment could not be made or used (the message says why)."""


def cache_root() -> Path:
    """``$PANTHER_IVY_CACHE``, else ``$XDG_CACHE_HOME/panther/ivy``, else ``~/.cache/panther/ivy``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "panther" / "ivy"


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock held while the body runs (across processes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class Toolchain:
    """A finished tool environment."""

    root: Path

    @property
    def complete(self) -> bool:
        return (self.root / COMPLETE_MARKER).exists()

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    @property
    def ivyc(self) -> Path:
        return self.root / "bin" / "ivyc"

    @property
    def z3_dir(self) -> Path:
        """The z3 wheel's folder (``include/``, ``lib/``): what ``Z3DIR`` must name."""
        return self._site_packages / "z3"

    @property
    def ivy_dir(self) -> Path:
        return self._site_packages / "ivy"

    @property
    def _site_packages(self) -> Path:
        found = sorted(self.root.glob("lib/python3*/site-packages"))
        if not found:
            raise ToolchainError(f"the Ivy tool environment {self.root} has no site-packages folder")
        return found[0]

    def version(self) -> str:
        """What a compiled tester depends on: the pins, the interpreter and the C++ compiler."""
        return "\n".join([*REQUIREMENTS, f"python {sys.version_info[:3]}", compiler_version(), str(self.root)])

    def compile_environment(self) -> dict[str, str]:
        """The environment ``ivyc`` runs in.

        Only what it needs: ``ivyc`` turns every ``PANTHER_*`` variable it sees into a
        ``-D`` flag of a shell command it builds, so none is passed on.
        """
        keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
        env = {key: os.environ[key] for key in keep if key in os.environ}
        env["PATH"] = os.pathsep.join([str(self.root / "bin"), "/usr/local/bin", "/usr/bin", "/bin"])
        env["Z3DIR"] = str(self.z3_dir)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env


def compiler_version() -> str:
    """The first line of ``g++ --version``; a clear error when there is no g++."""
    gpp = shutil.which("g++")
    if gpp is None:
        raise ToolchainError("the Ivy tester needs a C++ compiler: install g++ (Debian: apt-get install g++)")
    done = subprocess.run([gpp, "--version"], capture_output=True, text=True, timeout=30)
    return (done.stdout.splitlines() or ["g++"])[0]


def ensure_toolchain(root: Path | None = None, *, log: Path | None = None) -> Toolchain:
    """The cached tool environment, made first if it does not exist yet."""
    home = root or cache_root()
    key = hashlib.sha256("\n".join([*REQUIREMENTS, sys.version]).encode()).hexdigest()[:12]
    target = home / f"toolchain-{key}"
    toolchain = Toolchain(target)
    if toolchain.complete:
        return toolchain
    with file_lock(home / f"toolchain-{key}.lock"):
        if toolchain.complete:  # made by another process while this one waited
            return toolchain
        # The scripts of a virtual environment name its folder: it is made where it stays.
        shutil.rmtree(target, ignore_errors=True)
        try:
            _install(target, log)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        (target / COMPLETE_MARKER).write_text("\n".join(REQUIREMENTS) + "\n")
    return toolchain


def _install(target: Path, log: Path | None) -> None:
    uv = shutil.which("uv")
    if uv:
        steps = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(target)],
            [uv, "pip", "install", "--quiet", "--python", str(target / "bin" / "python"), *REQUIREMENTS],
        ]
    else:
        steps = [
            [sys.executable, "-m", "venv", str(target)],
            [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            + list(REQUIREMENTS),
        ]
    for argv in steps:
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise ToolchainError(f"installing Ivy took longer than {INSTALL_TIMEOUT:.0f}s: {' '.join(argv)}") from None
        if log is not None:
            with log.open("a") as stream:
                stream.write(f"$ {' '.join(argv)}\n{done.stdout}{done.stderr}\n")
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ToolchainError(f"could not install Ivy ({', '.join(REQUIREMENTS)}) into {target}: {last}")
