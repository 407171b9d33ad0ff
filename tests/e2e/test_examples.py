"""Every experiment in ``examples/`` validates, and runs to an all-passed verdict
through the real ``panther`` command, with every distribution installed together."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from panther.testing import client_folders, private_keys_in, require_peer, run_panther

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
#: Comma-separated case patterns the matrix examples' cells are limited to.
CASES_VARIABLE = "PANTHER_E2E_MATRIX_CASES"

# Implementations whose programs come from outside Python: (binary, how to get it).
EXTERNAL_PEERS = {
    "ngtcp2": ("gtlsserver", "install Debian's ngtcp2-server and ngtcp2-client"),
    "picoquic": ("picoquicdemo", "build picoquic and put picoquicdemo on PATH"),
    # PANTHER's own quiche programs, built with cargo on first use.
    "quiche": ("cargo", "install Rust 1.88 or newer (cargo), cmake, g++ and libclang"),
    "nginx": ("nginx", "install Debian's nginx package"),
    "curl": ("curl", "install Debian's curl package"),
}


def _implementations(example: Path) -> set[str]:
    document = yaml.safe_load(example.read_text())
    names: set[str] = set()
    for test in document["tests"]:
        names.update(service["implementation"]["name"] for service in test.get("services", {}).values())
        if "matrix" in test:
            names.update(test["matrix"]["servers"] + test["matrix"]["clients"])
    return names


def _matrices(example: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(example.read_text())
    return [test for test in document["tests"] if "matrix" in test]


def _installed(implementation: str) -> bool:
    binary = EXTERNAL_PEERS.get(implementation, (None, ""))[0]
    return binary is None or shutil.which(binary) is not None


def _uses_docker(example: Path) -> bool:
    document = yaml.safe_load(example.read_text())
    return any(test.get("network_environment", {}).get("type") == "docker_compose" for test in document["tests"])


def _docker_ready() -> None:
    """The engine answers and the base image exists (made here when it can be)."""
    from panther_env_docker_compose.base_image import DEFAULT_BASE_IMAGE, build_base_image
    from panther_env_docker_compose.engine import DockerUnavailableError, connect, image_exists

    try:
        connect()
    except DockerUnavailableError as exc:
        require_peer("docker", False, str(exc))
    if not image_exists(DEFAULT_BASE_IMAGE):
        require_peer("docker", shutil.which("debootstrap") is not None, "install debootstrap to make the base image")
        build_base_image(DEFAULT_BASE_IMAGE)


def _left_behind(run_id: str) -> list[str]:
    """Containers and networks labelled with the run: none may outlive it."""
    from panther_env_docker_compose.cleanup import RUN_LABEL
    from panther_env_docker_compose.engine import connect

    client = connect()
    label = {"label": f"{RUN_LABEL}={run_id}"}
    return [c.name for c in client.containers.list(all=True, filters=label)] + [
        n.name for n in client.networks.list(filters=label)
    ]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_example_validates(example: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "panther", "validate", str(example)], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


MATRIX_EXAMPLES = [example for example in EXAMPLES if _matrices(example)]


@pytest.mark.parametrize("example", MATRIX_EXAMPLES, ids=[e.stem for e in MATRIX_EXAMPLES])
def test_matrix_example_runs_its_installed_cells(example: Path, tmp_path: Path) -> None:
    """A matrix names implementations a machine may lack: its cells among those installed
    run (ngtcp2's always in CI), and end in verdicts read from evidence. Which cell
    passes is the tester's own tests' business; a harness error never is acceptable."""
    require_peer("ngtcp2", _installed("ngtcp2"), EXTERNAL_PEERS["ngtcp2"][1])
    # Every case, unless the session names a few (`nox -s lowest` does: the cases were
    # run with today's versions by `nox -s e2e`; the lowest versions need only reach them).
    cases = os.environ.get(CASES_VARIABLE, "*").split(",")
    filters = []
    for test in _matrices(example):
        servers = [name for name in test["matrix"]["servers"] if _installed(name)]
        clients = [name for name in test["matrix"]["clients"] if _installed(name)]
        filters += [
            f"{test['name']}/{case}/{server}/{client}" for case in cases for server in servers for client in clients
        ]
    args = [item for pattern in filters for item in ("--filter", pattern)]
    run = run_panther(example.read_text(), tmp_path, args=[*args, "--jobs", "2"], timeout=3600)
    assert run.tests, run.output
    errors = [f"{test.name}: {test.reason}" for test in run.tests if test.verdict == "error"]
    assert not errors, "\n".join(errors)
    unexplained = [test.name for test in run.tests if test.verdict != "passed" and not test.reason]
    assert not unexplained
    for report in ("summary.md", "report.html", "results.json", "junit.xml"):
        assert (run.output_dir / report).is_file()


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e not in MATRIX_EXAMPLES], ids=lambda e: e.stem)
def test_example_runs_and_passes(example: Path, tmp_path: Path) -> None:
    for implementation in _implementations(example):
        if implementation in EXTERNAL_PEERS:
            binary, how = EXTERNAL_PEERS[implementation]
            require_peer(implementation, shutil.which(binary) is not None, how)
    if _uses_docker(example):
        _docker_ready()
    run = run_panther(example.read_text(), tmp_path, timeout=900)
    not_passed = [f"{test.name}: {line}" for test in run.tests for line in test.not_passed()]
    assert run.exit_code == 0, f"{example.name} did not pass:\n" + "\n".join(not_passed) + f"\n{run.output}"
    assert (run.output_dir / "summary.md").is_file()
    # Least privilege: no client, of any protocol, holds the server's private key.
    clients = client_folders(run)
    assert clients, "the example has no client"
    leaked = [path for folder in clients for path in private_keys_in(folder)]
    assert not leaked, f"private keys in client folders: {leaked}"
    assert (run.output_dir / "junit.xml").is_file()
    if _uses_docker(example):
        assert not _left_behind(run.results["run_id"]), "containers or networks of the run were left behind"
