"""A package index on 127.0.0.1 holding the built distributions, and fresh venvs that use it.

The index is pypiserver serving a copy of ``dist/`` (what ``nox -s build`` made, or the
folder ``PANTHER_DIST_DIR`` names). A name it does not hold is redirected to PyPI
(pypiserver's fallback): third-party dependencies such as aioquic and msgspec come
from there, while every name of ours resolves from this index alone, since it holds
them all. The tests check that from pip's own installation report.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools" / "docgen"))

from distributions import distributions  # noqa: E402

PYPI = "https://pypi.org/simple/"


@dataclass
class Index:
    url: str  # the simple index, ".../simple/"
    upload_url: str
    folder: Path

    def names(self) -> set[str]:
        with urllib.request.urlopen(self.url, timeout=30) as response:  # noqa: S310 - our own index on 127.0.0.1
            page = response.read().decode()
        return {line.split(">")[1].split("<")[0] for line in page.splitlines() if "<a href" in line}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _dist_dir() -> Path:
    folder = Path(os.environ.get("PANTHER_DIST_DIR", ROOT / "dist"))
    wheels = {path.name.split("-")[0] for path in folder.glob("*.whl")}
    missing = [d.name for d in distributions() if d.name.replace("-", "_") not in wheels]
    if missing:
        pytest.fail(f"{folder} holds no wheel of {', '.join(missing)}: run `nox -s build` first")
    return folder


@pytest.fixture(scope="session")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Index]:
    served = tmp_path_factory.mktemp("index")
    for path in _dist_dir().iterdir():
        if path.suffix in (".whl", ".gz"):
            shutil.copy2(path, served / path.name)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".", "-P", "."]
        + ["--fallback-url", PYPI, str(served)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/simple/", timeout=5).close()  # noqa: S310 - our own index
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                _, stderr = server.communicate()
                pytest.fail(f"pypiserver did not start on {base}: {stderr.decode()[-2000:]}")
            time.sleep(0.1)
    try:
        yield Index(url=f"{base}/simple/", upload_url=f"{base}/", folder=served)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class Venv:
    folder: Path

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.folder / "bin" / name

    def run(self, *argv: str | Path, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        # Only the index given to pip: no other index, wheel folder or venv of the caller.
        hidden = ("PYTHONPATH", "VIRTUAL_ENV", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")
        env = {key: value for key, value in os.environ.items() if key not in hidden}
        env["PATH"] = f"{self.folder / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run(
            [str(arg) for arg in argv], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
        )

    def pip_install(self, index: Index, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``pip install`` as a user does, with this index as the only one."""
        done = self.run(
            self.python, "-m", "pip", "install", "--disable-pip-version-check", "--index-url", index.url, *args, cwd=cwd
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done


def make_venv(folder: Path) -> Venv:
    """A venv made the way a user makes one (``python -m venv``: it has pip), outside the repository."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return Venv(folder)
