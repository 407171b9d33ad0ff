"""What a user gets from ``pip install panther-harness panther-iut-aioquic``: no Docker SDK
and no profiler, the default experiment runs, and asking for Docker says what to
install; installing ``panther-env-docker-compose`` then adds it.

The distributions are installed from this repository's folders (with the in-repo
distributions they require) into a fresh virtual environment, as pip would install
them from an index.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the core's test extra brings tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EXPERIMENT = ROOT / "examples" / "quic_transfer.yaml"


def folders() -> dict[str, Path]:
    """Every distribution of the repository, by name."""
    found = {}
    for pyproject in [ROOT / "core" / "pyproject.toml", *ROOT.glob("*/*/pyproject.toml")]:
        project = tomllib.loads(pyproject.read_text())["project"]
        found[canonicalize_name(project["name"])] = pyproject.parent
    return found


def with_requirements(names: list[str]) -> list[Path]:
    """The folders of ``names`` and of the in-repo distributions they require."""
    known = folders()
    needed: dict[str, Path] = {}
    pending = [canonicalize_name(name) for name in names]
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed[name] = known[name]
        project = tomllib.loads((known[name] / "pyproject.toml").read_text())["project"]
        for requirement in map(Requirement, project.get("dependencies", [])):
            if canonicalize_name(requirement.name) in known:
                pending.append(canonicalize_name(requirement.name))
    return list(needed.values())


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("minimal") / "venv"
    if shutil.which("uv"):
        subprocess.run(["uv", "venv", "--quiet", "--python", sys.executable, str(folder)], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    install(folder, ["panther-harness", "panther-iut-aioquic"])
    return folder


def install(venv: Path, names: list[str]) -> None:
    specs = [str(folder) for folder in with_requirements(names)]
    python = str(venv / "bin" / "python")
    if shutil.which("uv"):
        command = ["uv", "pip", "install", "--quiet", "--python", python, *specs]
    else:
        command = [python, "-m", "pip", "install", "--quiet", *specs]
    subprocess.run(command, check=True, timeout=900)


def panther(venv: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "panther"), *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def installed(venv: Path) -> set[str]:
    listing = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(*(d.metadata['Name'] for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {canonicalize_name(name) for name in listing.stdout.split()}


def test_the_core_and_aioquic_bring_no_docker_sdk_and_no_profiler(venv: Path) -> None:
    names = installed(venv)
    assert {"panther-harness", "panther-iut-aioquic"} <= names
    assert not names & {"docker", "panther-env-docker-compose", "panther-exec-profilers"}


def test_the_default_experiment_runs(venv: Path, tmp_path: Path) -> None:
    done = panther(venv, "run", str(DEFAULT_EXPERIMENT), "--output-dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_docker_without_its_distribution_says_what_to_install(venv: Path) -> None:
    listed = panther(venv, "--help")
    assert "docker    Not installed: pip install panther-env-docker-compose" in listed.stdout
    command = panther(venv, "docker", "clean")
    assert command.returncode == 2
    assert "pip install panther-env-docker-compose" in command.stderr
    validated = panther(venv, "validate", str(ROOT / "examples" / "quic_transfer_docker.yaml"))
    assert validated.returncode == 2
    assert "network environment `docker_compose` is not installed" in validated.stderr
    assert "Traceback" not in validated.stderr + command.stderr


def test_installing_the_docker_distribution_adds_docker_compose(venv: Path) -> None:
    install(venv, ["panther-env-docker-compose"])
    listed = panther(venv, "plugins", "list")
    assert any(line.split()[:2] == ["network_environment", "docker_compose"] for line in listed.stdout.splitlines())
    assert panther(venv, "docker", "--help").returncode == 0
    validated = panther(venv, "validate", str(ROOT / "examples" / "quic_transfer_docker.yaml"))
    assert validated.returncode == 0, validated.stderr
