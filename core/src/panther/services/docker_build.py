"""Dockerfiles for implementations, written from a few facts about how each one builds.

``DockerBuilderFactory.create_builder(...)`` picks a builder by language (c, go,
python, rust); ``generate_complete_dockerfile()`` writes a two-stage Dockerfile: a
builder stage that clones the sources at pinned refs and builds them, and a slim
runtime stage that holds only the binaries and runs as the unprivileged ``panther``
user. Every value is checked before it reaches the Dockerfile, because a newline in
a URL or a package name would otherwise become a Dockerfile instruction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, ClassVar

# Build arguments declared before the first FROM, so that an environment which cannot
# pull the default images can substitute images it made itself (see docs/docker.md).
BUILDER_IMAGE_ARG = "PANTHER_BUILDER_IMAGE"
RUNTIME_IMAGE_ARG = "PANTHER_RUNTIME_IMAGE"
RUNTIME_USER = "panther"
SOURCE_ROOT = PurePosixPath("/src")

_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9+.:=~-]*$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Credentials must never be baked into an image layer.
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE_?KEY|AUTH", re.IGNORECASE)

Command = Sequence[str] | str


class DockerBuildSpecError(ValueError):
    """A plugin asked for a Dockerfile with options that cannot make one."""


@dataclass(frozen=True)
class GitSource:
    """A git repository at a pinned ref, cloned to ``/src/<directory>``."""

    url: str
    ref: str | None = None
    directory: str | None = None
    submodules: bool = True

    @property
    def target(self) -> PurePosixPath:
        name = self.directory or self.url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        return SOURCE_ROOT / name


class DockerBuilder:
    """The shared Dockerfile shape; a subclass states one language's defaults."""

    language: ClassVar[str]
    default_base_image: ClassVar[str]
    default_runtime_image: ClassVar[str] = "debian:bookworm-slim"
    default_build_packages: ClassVar[tuple[str, ...]] = ("git", "ca-certificates")

    def __init__(
        self,
        implementation_name: str,
        *,
        repo_url: str | None = None,
        ref: str | None = None,
        build_features: Sequence[str] = (),
        extra_sources: Sequence[GitSource | Mapping[str, Any]] = (),
        build_packages: Sequence[str] = (),
        runtime_packages: Sequence[str] = (),
        build_commands: Sequence[Command] | None = None,
        binaries: Sequence[str] | None = None,
        base_image: str | None = None,
        runtime_image: str | None = None,
        runtime_env: Mapping[str, str] | None = None,
        submodules: bool = True,
    ) -> None:
        self.implementation_name = _checked_name(implementation_name, "implementation_name", implementation_name)
        where = f"{self.language} Dockerfile for {implementation_name!r}"
        self.source = (
            GitSource(
                url=_checked_value(repo_url, "repo_url", where),
                ref=_checked_ref(ref, where),
                directory=self.implementation_name,
                submodules=submodules,
            )
            if repo_url
            else None
        )
        if ref and not repo_url:
            raise DockerBuildSpecError(f"{where}: 'ref' needs 'repo_url' (the repository to check it out from)")
        self.build_features = [_checked_name(f, "build_features", where) for f in build_features]
        self.extra_sources = [_checked_source(s, where) for s in extra_sources]
        self.build_packages = _checked_packages(
            [*self.default_build_packages, *build_packages], "build_packages", where
        )
        self.runtime_packages = _checked_packages(runtime_packages, "runtime_packages", where)
        self.build_commands = [
            _checked_command(c, where)
            for c in (build_commands if build_commands is not None else self.default_build_commands())
        ]
        self.binaries = [
            _checked_value(b, "binaries", where)
            for b in (binaries if binaries is not None else self.default_binaries())
        ]
        self.base_image = _checked_value(base_image or self.default_base_image, "base_image", where)
        self.runtime_image = _checked_value(runtime_image or self.default_runtime_image, "runtime_image", where)
        self.runtime_env = _checked_env(runtime_env or {}, where)

    # ------------------------------------------------------------ language hooks
    def default_build_commands(self) -> list[Command]:
        return []

    def default_binaries(self) -> list[str]:
        return []

    def runtime_install_lines(self) -> list[str]:
        """Extra runtime-stage instructions (Python installs its wheels here)."""
        return []

    # ------------------------------------------------------------ the Dockerfile
    @property
    def workdir(self) -> PurePosixPath:
        return self.source.target if self.source else SOURCE_ROOT / self.implementation_name

    def labels(self) -> dict[str, str]:
        labels = {
            "org.opencontainers.image.title": self.implementation_name,
            "org.panther.implementation": self.implementation_name,
            "org.panther.language": self.language,
        }
        if self.source:
            labels["org.opencontainers.image.source"] = self.source.url
            if self.source.ref:
                labels["org.opencontainers.image.revision"] = self.source.ref
        if self.build_features:
            labels["org.panther.build-features"] = ",".join(self.build_features)
        return labels

    def generate_builder_stage(self) -> str:
        lines = [
            f"FROM ${{{BUILDER_IMAGE_ARG}}} AS builder",
            "ENV DEBIAN_FRONTEND=noninteractive",
            _apt_install(self.build_packages),
        ]
        for source in self.extra_sources:
            lines += _clone(source)
        if self.source:
            lines += _clone(self.source)
        else:
            # No repository: the build context is the source tree.
            lines.append(f"COPY . {self.workdir}")
        lines.append(f"WORKDIR {self.workdir}")
        lines += [_run(command) for command in self.build_commands]
        return "\n".join(lines)

    def generate_runtime_stage(self) -> str:
        lines = [f"FROM ${{{RUNTIME_IMAGE_ARG}}} AS runtime"]
        lines += [f"LABEL {key}={json.dumps(value)}" for key, value in self.labels().items()]
        if self.runtime_packages:
            lines.append(_apt_install(self.runtime_packages, inline_frontend=True))
        lines += self.runtime_install_lines()
        for binary in self.binaries:
            path = PurePosixPath(binary)
            source = path if path.is_absolute() else self.workdir / path
            lines.append(f"COPY --from=builder {source} /usr/local/bin/{path.name}")
        lines += [f"ENV {key}={json.dumps(value)}" for key, value in self.runtime_env.items()]
        lines += _runtime_user()
        return "\n".join(lines)

    def generate_complete_dockerfile(self) -> str:
        header = [
            f"# {self.implementation_name} ({self.language}), generated by PANTHER's DockerBuilderFactory.",
            f"# Override the images with --build-arg {BUILDER_IMAGE_ARG}=... / {RUNTIME_IMAGE_ARG}=...",
            f"ARG {BUILDER_IMAGE_ARG}={self.base_image}",
            f"ARG {RUNTIME_IMAGE_ARG}={self.runtime_image}",
        ]
        return "\n\n".join(["\n".join(header), self.generate_builder_stage(), self.generate_runtime_stage()]) + "\n"


class CDockerBuilder(DockerBuilder):
    language = "c"
    default_base_image = "debian:bookworm"
    default_build_packages = ("git", "ca-certificates", "build-essential", "cmake", "pkg-config", "libssl-dev")

    def default_build_commands(self) -> list[Command]:
        configure = ["cmake", "-S", ".", "-B", "build", "-DCMAKE_BUILD_TYPE=Release"]
        configure += [f"-D{feature}=ON" for feature in self.build_features]
        return [configure, ["cmake", "--build", "build", "--parallel", "2"]]

    def default_binaries(self) -> list[str]:
        return [f"build/{self.implementation_name}"]


class RustDockerBuilder(DockerBuilder):
    language = "rust"
    default_base_image = "rust:1.83-bookworm"
    default_build_packages = ("git", "ca-certificates", "cmake", "pkg-config", "clang")

    def default_build_commands(self) -> list[Command]:
        command = ["cargo", "build", "--release", "--locked"]
        if self.build_features:
            command += ["--features", ",".join(self.build_features)]
        return [command]

    def default_binaries(self) -> list[str]:
        return [f"target/release/{self.implementation_name}"]


class GoDockerBuilder(DockerBuilder):
    language = "go"
    default_base_image = "golang:1.22-bookworm"

    def default_build_commands(self) -> list[Command]:
        command = ["go", "build", "-trimpath", "-o", self.implementation_name]
        if self.build_features:
            command += ["-tags", ",".join(self.build_features)]
        return [[*command, "."]]

    def default_binaries(self) -> list[str]:
        return [self.implementation_name]


class PythonDockerBuilder(DockerBuilder):
    """Builds wheels in the builder stage and installs them into a venv at run time."""

    language = "python"
    default_base_image = "python:3.11-slim-bookworm"
    default_runtime_image = "python:3.11-slim-bookworm"
    venv = PurePosixPath("/opt/panther")

    def default_build_commands(self) -> list[Command]:
        extras = f"[{','.join(self.build_features)}]" if self.build_features else ""
        return [["python3", "-m", "pip", "wheel", "--no-cache-dir", "--wheel-dir", "/wheels", f".{extras}"]]

    def runtime_install_lines(self) -> list[str]:
        return [
            "COPY --from=builder /wheels /wheels",
            _run(["python3", "-m", "venv", str(self.venv)]),
            # A shell is needed for the glob; every word of it is fixed here.
            f"RUN {self.venv}/bin/pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels",
            f'ENV PATH="{self.venv}/bin:$PATH"',
        ]


class DockerBuilderFactory:
    """Picks the builder for a language; the entry point plugin authors use."""

    builders: ClassVar[dict[str, type[DockerBuilder]]] = {
        b.language: b for b in (CDockerBuilder, GoDockerBuilder, PythonDockerBuilder, RustDockerBuilder)
    }

    @classmethod
    def known_languages(cls) -> list[str]:
        return sorted(cls.builders)

    @classmethod
    def create_builder(
        cls,
        implementation_name: str,
        language: str,
        repo_url: str | None = None,
        build_features: Sequence[str] = (),
        **options: Any,
    ) -> DockerBuilder:
        builder_class = cls.builders.get(language)
        if builder_class is None:
            raise DockerBuildSpecError(
                f"{implementation_name}: unknown language {language!r} for a Docker build "
                f"(known: {', '.join(cls.known_languages())})"
            )
        known = _OPTIONS
        unknown = sorted(set(options) - known)
        if unknown:
            raise DockerBuildSpecError(
                f"{implementation_name}: unknown Docker build option(s) {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        return builder_class(implementation_name, repo_url=repo_url, build_features=build_features, **options)


_OPTIONS = frozenset(
    {
        "ref",
        "extra_sources",
        "build_packages",
        "runtime_packages",
        "build_commands",
        "binaries",
        "base_image",
        "runtime_image",
        "runtime_env",
        "submodules",
    }
)


def packaged_dockerfile(implementation_name: str, packages: Sequence[str], *, runtime_image: str | None = None) -> str:
    """The image of a program Debian packages: one stage, ``apt-get install packages``
    on the runtime image (``PANTHER_RUNTIME_IMAGE``, Debian bookworm), run as the
    unprivileged ``panther`` user. Nothing is built, so there is no builder stage."""
    where = f"packaged Dockerfile for {implementation_name!r}"
    name = _checked_name(implementation_name, "implementation_name", where)
    checked = _checked_packages(packages, "packages", where)
    if not checked:
        raise DockerBuildSpecError(f"{where}: packages must name at least one Debian package")
    image = _checked_value(runtime_image or DockerBuilder.default_runtime_image, "runtime_image", where)
    labels = {"org.opencontainers.image.title": name, "org.panther.implementation": name}
    lines = [
        f"# {name} from Debian packages, generated by PANTHER's packaged_dockerfile.",
        f"ARG {RUNTIME_IMAGE_ARG}={image}",
        f"FROM ${{{RUNTIME_IMAGE_ARG}}}",
        *(f"LABEL {key}={json.dumps(value)}" for key, value in labels.items()),
        _apt_install(checked, inline_frontend=True),
        *_runtime_user(),
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- rendering helpers
def _run(command: Command) -> str:
    if isinstance(command, str):
        return f"RUN {command}"
    return f"RUN {json.dumps(list(command))}"


def _apt_install(packages: Sequence[str], *, inline_frontend: bool = False) -> str:
    prefix = "DEBIAN_FRONTEND=noninteractive " if inline_frontend else ""
    return (
        f"RUN apt-get update && {prefix}apt-get install -y --no-install-recommends {' '.join(packages)}"
        " && rm -rf /var/lib/apt/lists/*"
    )


def _clone(source: GitSource) -> list[str]:
    lines = [_run(["git", "clone", "--", source.url, str(source.target)])]
    if source.ref:
        lines.append(_run(["git", "-C", str(source.target), "checkout", "--detach", source.ref]))
    if source.submodules:
        lines.append(_run(["git", "-C", str(source.target), "submodule", "update", "--init", "--recursive"]))
    return lines


# ---------------------------------------------------------------- validation
def _checked_value(value: str | None, option: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DockerBuildSpecError(f"{where}: {option} must be a non-empty string, got {value!r}")
    if any(ch in value for ch in "\r\n\0") or value != value.strip():
        raise DockerBuildSpecError(f"{where}: {option} may not contain line breaks or surrounding spaces: {value!r}")
    return value


def _checked_name(value: str, option: str, where: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise DockerBuildSpecError(
            f"{where}: {option} must be letters, digits, '_', '.', '-' (starting with a letter or digit), got {value!r}"
        )
    return value


def _checked_ref(ref: str | None, where: str) -> str | None:
    if ref is None:
        return None
    value = _checked_value(ref, "ref", where)
    if value.startswith("-") or " " in value:
        raise DockerBuildSpecError(f"{where}: ref must be a commit, tag or branch name, got {ref!r}")
    return value


def _checked_packages(packages: Sequence[str], option: str, where: str) -> list[str]:
    if isinstance(packages, str):
        raise DockerBuildSpecError(f"{where}: {option} must be a list of package names, got the string {packages!r}")
    bad = [p for p in packages if not isinstance(p, str) or not _PACKAGE.match(p)]
    if bad:
        raise DockerBuildSpecError(f"{where}: {option} holds values that are not Debian package names: {bad!r}")
    return list(dict.fromkeys(packages))


def _checked_command(command: Command, where: str) -> Command:
    if isinstance(command, str):
        return _checked_value(command, "build_commands", where)
    if not command:
        raise DockerBuildSpecError(f"{where}: build_commands holds an empty command")
    return [_checked_value(str(word), "build_commands", where) for word in command]


def _checked_source(source: GitSource | Mapping[str, Any], where: str) -> GitSource:
    if isinstance(source, Mapping):
        unknown = set(source) - {"url", "ref", "directory", "submodules"}
        if unknown or "url" not in source:
            raise DockerBuildSpecError(
                f"{where}: extra_sources entries take url (required), ref, directory, submodules; got {dict(source)!r}"
            )
        source = GitSource(**source)
    _checked_value(source.url, "extra_sources.url", where)
    _checked_ref(source.ref, where)
    if source.directory is not None:
        _checked_name(source.directory, "extra_sources.directory", where)
    return source


def _checked_env(env: Mapping[str, str], where: str) -> dict[str, str]:
    checked: dict[str, str] = {}
    for key, value in env.items():
        if not _ENV_NAME.match(key):
            raise DockerBuildSpecError(f"{where}: runtime_env name {key!r} is not a valid variable name")
        if _SECRET_NAME.search(key):
            raise DockerBuildSpecError(
                f"{where}: runtime_env {key!r} looks like a secret; secrets must not be baked into an image"
            )
        checked[key] = _checked_value(str(value), f"runtime_env.{key}", where)
    return checked


def _runtime_user() -> list[str]:
    """The unprivileged user the programs run as, and its home as the working folder."""
    home = f"/home/{RUNTIME_USER}"
    useradd = ["useradd", "--system", "--create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", RUNTIME_USER]
    return [_run(useradd), f"WORKDIR {home}", f"USER {RUNTIME_USER}"]
