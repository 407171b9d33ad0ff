"""Installed as users install it: ``pip install panther-iut-picoquic`` and
``pip install panther-iut-aioquic`` from an index, in a fresh venv outside the
repository, then ``panther plugins list`` and ``panther run`` of the aioquic example."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, Index, Venv, distributions, make_venv

OURS = {distribution.name for distribution in distributions()}


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed_from(report: Path) -> dict[str, str]:
    """Each installed distribution -> the URL pip downloaded it from (pip's --report)."""
    document = json.loads(report.read_text())
    return {_canonical(item["metadata"]["name"]): item["download_info"]["url"] for item in document["install"]}


@pytest.fixture(scope="module")
def user_venv(index: Index, tmp_path_factory: pytest.TempPathFactory) -> tuple[Venv, dict[str, str]]:
    home = tmp_path_factory.mktemp("user")
    venv = make_venv(home / "venv")
    sources: dict[str, str] = {}
    for distribution in ("panther-iut-picoquic", "panther-iut-aioquic"):
        report = home / f"{distribution}.json"
        venv.pip_install(index, "--report", str(report), distribution, cwd=home)
        sources.update(_installed_from(report))
    return venv, sources


def test_every_distribution_of_ours_came_by_name_from_the_index(
    user_venv: tuple[Venv, dict[str, str]], index: Index
) -> None:
    _, sources = user_venv
    ours = {name: url for name, url in sources.items() if name in OURS}
    # picoquic and aioquic, and what they declare by name: the harness and the bases.
    assert {
        "panther-iut-picoquic",
        "panther-iut-aioquic",
        "panther-harness",
        "panther-base-quic",
        "panther-base-python",
    } <= set(ours)
    wrong = {name: url for name, url in ours.items() if not url.startswith(index.url.removesuffix("simple/"))}
    assert not wrong, f"resolved from elsewhere than the index: {wrong}"
    assert all(url.endswith(".whl") for url in ours.values()), ours
    # Third-party dependencies came through the fallback, from PyPI's files.
    assert "aioquic" in sources and not sources["aioquic"].startswith(index.url.removesuffix("simple/"))


def test_plugins_list_shows_both(user_venv: tuple[Venv, dict[str, str]], tmp_path: Path) -> None:
    venv, _ = user_venv
    table = venv.run(venv.bin("panther"), "plugins", "list", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    for name in ("picoquic", "aioquic"):
        assert re.search(rf"(?m)^iut\s+{name}\s+0\.\d+\.\d+\s+panther-iut-{name}\s", table.stdout), table.stdout
    done = venv.run(venv.bin("panther"), "plugins", "list", "--json", cwd=tmp_path)
    listed = {(row["kind"], row["name"]): row for row in json.loads(done.stdout)}
    assert listed[("iut", "picoquic")]["distribution"] == "panther-iut-picoquic"
    assert listed[("iut", "aioquic")]["distribution"] == "panther-iut-aioquic"
    assert [row for row in listed.values() if row["status"] != "ok"] == []


def test_panther_run_passes_the_aioquic_example(user_venv: tuple[Venv, dict[str, str]], tmp_path: Path) -> None:
    venv, _ = user_venv
    experiment = tmp_path / "quic_transfer.yaml"
    experiment.write_text((ROOT / "examples" / "quic_transfer.yaml").read_text())
    done = venv.run(venv.bin("panther"), "run", experiment, "--output-dir", tmp_path / "out", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    (results,) = (tmp_path / "out").glob("*/results.json")
    verdicts = {test["name"]: test["verdict"] for test in json.loads(results.read_text())["tests"]}
    assert verdicts and set(verdicts.values()) == {"passed"}, verdicts
