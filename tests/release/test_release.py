"""The release path of one distribution: bump, changelog, build, check, publish to an index.

It runs on a copy of a distribution of this repository, so that the bump is real and
the repository is left as it was; the index is the local pypiserver of ``conftest``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT, Index

RELEASE = ROOT / "tools" / "release.py"


def release(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TWINE_USERNAME": "panther", "TWINE_PASSWORD": "unused-by-this-index"}
    return subprocess.run(
        [sys.executable, str(RELEASE), "release", str(folder), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.fixture
def minip(tmp_path: Path) -> Path:
    copy = tmp_path / "minip"
    shutil.copytree(ROOT / "bases" / "minip", copy, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return copy


def test_a_release_needs_its_changelog_entry(minip: Path, index: Index, tmp_path: Path) -> None:
    done = release(minip, "0.1.1", "--repository-url", index.upload_url, "--dist", str(tmp_path / "dist"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "CHANGELOG.md has no entry for 0.1.1" in done.stderr
    assert "## [0.1.1]" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list((tmp_path / "dist").glob("*"))  # nothing built, nothing published
    assert '__version__ = "0.1.0"' in (minip / "src" / "panther_base_minip" / "__about__.py").read_text()


def test_a_release_bumps_builds_checks_and_publishes(minip: Path, index: Index, tmp_path: Path) -> None:
    changelog = minip / "CHANGELOG.md"
    changelog.write_text(
        changelog.read_text().replace("## [Unreleased]\n", "## [Unreleased]\n\n## [0.2.0] - 2026-01-01\n\n- Faster.\n")
    )
    done = release(minip, "minor", "--repository-url", index.upload_url, "--dist", str(tmp_path / "dist"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert '__version__ = "0.2.0"' in (minip / "src" / "panther_base_minip" / "__about__.py").read_text()
    assert "git tag panther-base-minip-v0.2.0" in done.stdout
    with urllib.request.urlopen(f"{index.url}panther-base-minip/", timeout=30) as response:  # noqa: S310 - local index
        page = response.read().decode()
    assert "panther_base_minip-0.2.0-py3-none-any.whl" in page
    assert "panther_base_minip-0.2.0.tar.gz" in page
    # The published files are the ones built and checked here.
    assert sorted(path.name for path in (tmp_path / "dist").iterdir()) == [
        "panther_base_minip-0.2.0-py3-none-any.whl",
        "panther_base_minip-0.2.0.tar.gz",
    ]
    # The repository's own copy is untouched.
    assert '__version__ = "0.1.0"' in (ROOT / "bases/minip/src/panther_base_minip/__about__.py").read_text()


def test_a_release_of_the_version_already_written_bumps_nothing(minip: Path, tmp_path: Path) -> None:
    # What CI does for a pushed tag: the version is the tag's, the changelog has it.
    done = release(minip, "0.1.0", "--dist", str(tmp_path / "dist"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not uploaded" in done.stdout
    assert len(list((tmp_path / "dist").iterdir())) == 2


def test_a_lower_version_is_refused_with_a_message(minip: Path, tmp_path: Path) -> None:
    done = release(minip, "0.0.9", "--dist", str(tmp_path / "dist"))
    assert done.returncode == 2
    assert "cannot set the version to '0.0.9'" in done.stderr and "not higher" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_folder_and_the_tag_of_a_distribution() -> None:
    def tool(*args: str) -> str:
        return subprocess.run(
            [sys.executable, str(RELEASE), *args], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()

    assert tool("folder", "panther-iut-aioquic") == "iuts/aioquic"
    assert tool("tag", str(ROOT / "iuts" / "aioquic")).startswith("panther-iut-aioquic-v")
