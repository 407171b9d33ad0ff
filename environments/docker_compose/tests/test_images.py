"""Base image helpers that need no engine: the apt mirror, package names, image choice."""

from __future__ import annotations

from pathlib import Path

import pytest
from panther_env_docker_compose.base_image import DEFAULT_MIRROR, apt_mirror, build_base_image
from panther_env_docker_compose.engine import DockerBuildError
from panther_env_docker_compose.implementation_images import local_projects, wheel_dockerfile
from projects import installed_project, module


def test_mirror_from_deb822_sources_skips_security(tmp_path: Path) -> None:
    sources = tmp_path / "sources.list.d"
    sources.mkdir()
    (sources / "debian.sources").write_text(
        "Types: deb\n"
        "URIs: http://security.example.org/debian-security\n"
        "Suites: bookworm-security\n"
        "Components: main\n"
        "\n"
        "Types: deb-src\n"
        "URIs: http://src.example.org/debian\n"
        "Suites: bookworm\n"
        "\n"
        "Types: deb\n"
        "# a comment: with a colon\n"
        "URIs: http://mirror.example.org/debian/\n"
        "Suites: bookworm bookworm-updates\n"
        "Components: main\n"
    )
    assert apt_mirror("bookworm", [tmp_path / "absent.list", sources]) == "http://mirror.example.org/debian"


def test_mirror_from_one_line_sources(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list"
    listing.write_text(
        "# deb http://commented.example.org/debian bookworm main\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://other.example.org/debian trixie main\n"
        "deb [arch=amd64] http://local.example.org/debian bookworm main contrib\n"
    )
    assert apt_mirror("bookworm", [listing]) == "http://local.example.org/debian"
    assert apt_mirror("sid", [listing]) == DEFAULT_MIRROR


def test_package_names_are_checked_before_anything_runs() -> None:
    with pytest.raises(DockerBuildError, match="not Debian package names: 'python3; rm -rf /'"):
        build_base_image("panther/test:never", packages=["python3; rm -rf /"])


def test_python_implementation_image_installs_wheels_as_an_unprivileged_user() -> None:
    lines = wheel_dockerfile("panther/debian:bookworm").splitlines()
    assert lines[0] == "FROM panther/debian:bookworm"
    assert "--no-index" in next(line for line in lines if "pip install" in line)
    assert lines[-1] == "USER panther"


def test_a_manager_outside_any_distribution_needs_no_wheels() -> None:
    class Manager:
        pass

    assert local_projects(Manager) == ()


def test_a_manager_in_a_folder_installed_distribution_brings_its_folder(tmp_path: Path) -> None:
    with installed_project(tmp_path, "panther_probe_dist", {"__init__": "class Manager:\n    pass\n"}) as project:
        assert local_projects(module("panther_probe_dist").Manager) == (project.resolve(),)
