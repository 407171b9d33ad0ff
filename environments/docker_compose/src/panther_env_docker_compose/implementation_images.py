"""One Docker image per implementation, made before the tests that use it.

An implementation's image comes from its service manager's Dockerfile
(``generate_dockerfile_content()``). A Python implementation without one runs on the
base image with its distribution (and the in-repo distributions it needs) installed
from wheels built on this host. A manager outside any installed distribution runs on
the base image as it is.

Images are tagged by a digest of what they are made from: the Dockerfile and its
build arguments and, for wheels, the source files of the distributions that go in
and the base image's id. The digest is computed without building anything, so an
unchanged implementation costs a hash of its sources and one lookup on the engine;
wheels are built, and the image made, only when that tag is missing. Requirements
that pip fetches from an index are not part of the digest: ``panther docker clean
--images`` makes the next run fetch them again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from panther.services.docker_build import BUILDER_IMAGE_ARG, RUNTIME_IMAGE_ARG, RUNTIME_USER
from panther.services.manager import ServiceManagerError

from panther_env_docker_compose.engine import DockerBuildError, connect, image_exists
from panther_env_docker_compose.image_build import ERROR_PREFIX
from panther_env_docker_compose.subprocesses import run_child

if TYPE_CHECKING:
    from panther.runner.cancellation import Cancellation
    from panther.services.manager import BaseServiceManager

IMPLEMENTATION_LABEL = "org.panther.implementation"
VENV = "/opt/panther"
#: The name of the network path relay's image (``panther/netpath-relay:<digest>``).
RELAY_IMAGE = "netpath-relay"

_ARG_DEFAULT = re.compile(r"^ARG\s+([A-Za-z_][A-Za-z0-9_]*)=(\S+)\s*$", re.MULTILINE)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# Folders of a project that never go into its wheel (when git cannot say what is ignored).
_NOT_SOURCES = {"__pycache__", "build", "dist", "outputs", "node_modules", "target", "venv"}
# One build per tag at a time in this process: tests side by side wait for the first.
_build_locks: dict[str, threading.Lock] = {}
_build_locks_guard = threading.Lock()


@dataclass(frozen=True)
class ImageRecipe:
    """What an implementation's image is made from, and the tag that names it."""

    implementation: str
    tag: str
    #: Empty when the implementation runs on the base image as it is.
    dockerfile: str = ""
    buildargs: tuple[tuple[str, str], ...] = ()
    #: Folders of the local distributions whose wheels go into the build context.
    projects: tuple[Path, ...] = ()
    #: Requirements whose wheels pip fetches from its index into the build context too.
    requirements: tuple[str, ...] = ()
    #: The manager's ``docker_build_context``: writes the files its Dockerfile copies.
    context: Callable[[Path], AbstractContextManager[None]] | None = field(default=None, compare=False)

    @property
    def ready_made(self) -> bool:
        return not self.dockerfile


def image_recipe(manager: BaseServiceManager, *, base_image: str) -> ImageRecipe:
    """The recipe of ``manager``'s image, found without building anything."""
    name = manager.implementation_name
    dockerfile = manager.generate_dockerfile_content()
    digest = hashlib.sha256()
    projects: tuple[Path, ...] = ()
    if dockerfile is None:
        projects = local_projects(type(manager))
        if not projects:
            # Nothing of the implementation needs installing: it runs on the base image.
            _require_image(base_image, f"the base image of {name}")
            return ImageRecipe(name, base_image)
        dockerfile = wheel_dockerfile(base_image)
        digest.update(_image_id(base_image, f"the base image of {name}").encode())
        for project in projects:
            digest.update(source_digest(project).encode())
    buildargs = _substitutions(dockerfile, base_image)
    digest.update(dockerfile.encode())
    digest.update(json.dumps(buildargs, sort_keys=True).encode())
    tag = f"panther/{_tag_name(name)}:{digest.hexdigest()[:16]}"
    context = None if projects else manager.docker_build_context
    return ImageRecipe(name, tag, dockerfile, tuple(sorted(buildargs.items())), projects, context=context)


def implementation_image(
    manager: BaseServiceManager,
    *,
    base_image: str,
    build: bool,
    log_path: Path,
    cancellation: Cancellation | None = None,
) -> str:
    """The tag of the image ``manager``'s implementation runs in, made if it is missing.

    The build log goes to ``log_path``; a failed build raises :class:`DockerBuildError`
    with the end of that log, a cancelled one :class:`BuildCancelled`.
    """
    return ensure_image(
        image_recipe(manager, base_image=base_image), build=build, log_path=log_path, cancellation=cancellation
    )


def relay_recipe(*, base_image: str) -> ImageRecipe:
    """The recipe of the network path relay's image: the base image with the harness installed.

    From the harness's source folder when it is installed from one, else the same
    version from the index pip is configured with.
    """
    from panther.netpath.relay import Relay

    projects = local_projects(Relay)
    requirements = () if projects else (f"panther-harness=={importlib.metadata.version('panther-harness')}",)
    dockerfile = wheel_dockerfile(base_image)
    digest = hashlib.sha256(_image_id(base_image, "the base image of the network path relay").encode())
    for project in projects:
        digest.update(source_digest(project).encode())
    for requirement in requirements:
        digest.update(requirement.encode())
    digest.update(dockerfile.encode())
    tag = f"panther/{RELAY_IMAGE}:{digest.hexdigest()[:16]}"
    return ImageRecipe(RELAY_IMAGE, tag, dockerfile, projects=projects, requirements=requirements)


def ensure_image(recipe: ImageRecipe, *, build: bool, log_path: Path, cancellation: Cancellation | None = None) -> str:
    """The tag of ``recipe``'s image, made if it is missing (see :func:`implementation_image`)."""
    if recipe.ready_made:
        return recipe.tag
    with _build_lock(recipe.tag):
        if image_exists(recipe.tag):
            return recipe.tag
        if not build:
            raise DockerBuildError(
                f"image {recipe.tag} for {recipe.implementation} is not built and docker.build is false"
            )
        make_image(recipe, log_path=log_path, cancellation=cancellation)
    return recipe.tag


def make_image(recipe: ImageRecipe, *, log_path: Path, cancellation: Cancellation | None = None) -> None:
    """Build the image of ``recipe`` (its wheels first, when it has any)."""
    with tempfile.TemporaryDirectory(prefix="panther-image-") as workdir:
        context = Path(workdir)
        if recipe.projects or recipe.requirements:
            _build_wheels(
                (*map(str, recipe.projects), *recipe.requirements), context / "wheels", log_path, cancellation
            )
        (context / "Dockerfile").write_text(recipe.dockerfile)
        with open(log_path, "a") as log:
            for arg, image in recipe.buildargs:
                log.write(f"{arg}={image} (the default image is not on this engine)\n")
        spec = {
            "context": str(context),
            "tag": recipe.tag,
            "buildargs": dict(recipe.buildargs),
            "labels": {IMPLEMENTATION_LABEL: recipe.implementation},
        }
        argv = [sys.executable, "-m", "panther_env_docker_compose.image_build", json.dumps(spec)]
        try:
            with recipe.context(context) if recipe.context else contextlib.nullcontext():
                code, output = run_child(
                    argv, what=f"building image {recipe.tag}", log_path=log_path, cancellation=cancellation
                )
        except ServiceManagerError as exc:
            raise DockerBuildError(f"building image {recipe.tag} failed: {exc}") from None
    if code != 0:
        errors = [line[len(ERROR_PREFIX) :] for line in output.splitlines() if line.startswith(ERROR_PREFIX)]
        reason = errors[-1] if errors else f"exit code {code}"
        raise DockerBuildError(f"building image {recipe.tag} failed: {reason}\n{output}")


def wheel_dockerfile(base_image: str) -> str:
    """The image of a Python implementation: the base image plus the wheels in ``wheels/``."""
    return "\n".join(
        [
            f"FROM {base_image}",
            "COPY wheels /wheels",
            f'RUN ["python3", "-m", "venv", "{VENV}"]',
            # A shell is needed for the glob; every word of it is fixed here.
            f"RUN {VENV}/bin/pip install --no-cache-dir --no-index --find-links /wheels /wheels/*.whl"
            " && rm -rf /wheels",
            f'ENV PATH="{VENV}/bin:$PATH"',
            f'RUN ["useradd", "--system", "--create-home", "--shell", "/usr/sbin/nologin", "{RUNTIME_USER}"]',
            f"USER {RUNTIME_USER}",
            "",
        ]
    )


def source_digest(folder: Path) -> str:
    """A digest of the source files of the project in ``folder`` (names and contents)."""
    digest = hashlib.sha256()
    for relative in sorted(_source_files(folder)):
        path = folder / relative
        if path.is_file() and not path.is_symlink():
            digest.update(relative.encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _source_files(folder: Path) -> Iterable[str]:
    """The files of a project: as git sees them (tracked, or new and not ignored), else
    every file outside caches, virtual environments and build output."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(folder), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            check=False,
        )
    except OSError:  # git is not installed
        listed = None
    if listed is not None and listed.returncode == 0:
        return [name for name in listed.stdout.decode().split("\0") if name]
    return list(_walk(folder, folder))


def _walk(root: Path, folder: Path) -> Iterator[str]:
    for entry in os.scandir(folder):
        if entry.is_dir(follow_symlinks=False):
            if entry.name.startswith(".") or entry.name in _NOT_SOURCES or entry.name.endswith(".egg-info"):
                continue
            yield from _walk(root, Path(entry.path))
        elif entry.is_file(follow_symlinks=False):
            yield str(Path(entry.path).relative_to(root))


@functools.cache
def local_projects(manager_class: type) -> tuple[Path, ...]:
    """Source folders of the locally installed distributions ``manager_class`` needs.

    Its own distribution when that one is installed from a folder (editable or not),
    and, following its requirements, every other distribution installed that way.
    Requirements installed from an index are left to pip to fetch. Installed
    distributions do not change while the harness runs: the answer is kept.
    """
    by_name = {_normal(d.metadata["Name"]): d for d in importlib.metadata.distributions() if d.metadata["Name"]}
    own = _owning_distribution(manager_class, list(by_name.values()))
    if own is None:
        return ()
    projects: list[Path] = []
    pending, seen = [own], set()
    while pending:
        dist = pending.pop()
        name = _normal(dist.metadata["Name"])
        if name in seen:
            continue
        seen.add(name)
        folder = _source_folder(dist)
        if folder is None:
            continue
        projects.append(folder)
        for requirement in dist.requires or []:
            if "extra ==" in requirement:
                continue
            match = _REQUIREMENT_NAME.match(requirement)
            if match and _normal(match.group(1)) in by_name:
                pending.append(by_name[_normal(match.group(1))])
    return tuple(projects)


def _owning_distribution(
    manager_class: type, dists: list[importlib.metadata.Distribution]
) -> importlib.metadata.Distribution | None:
    try:
        module_file = Path(inspect.getfile(manager_class)).resolve()
    except (TypeError, OSError):
        return None
    top = manager_class.__module__.split(".")[0]
    for dist in dists:
        folder = _source_folder(dist)
        if folder is not None and module_file.is_relative_to(folder):
            # Inside the project folder is not enough (its tests live there too):
            # the module must belong to a package the project ships.
            parts = module_file.relative_to(folder).parts
            if parts[:1] == ("src",):
                parts = parts[1:]
            if parts[:1] in ((top,), (f"{top}.py",)):
                return dist
    # Installed from a folder but not editable: the module is one of its recorded files.
    for dist in dists:
        for file in dist.files or []:
            if file.suffix == ".py" and Path(str(dist.locate_file(file))).resolve() == module_file:
                return dist
    return None


def _source_folder(dist: importlib.metadata.Distribution) -> Path | None:
    """The folder a distribution was installed from (PEP 610 ``direct_url.json``), if any."""
    text = dist.read_text("direct_url.json")
    if not text:
        return None
    url = json.loads(text).get("url", "")
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    folder = Path(unquote(parsed.path))
    return folder.resolve() if (folder / "pyproject.toml").is_file() else None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _tag_name(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-.") or "implementation"


def _build_wheels(projects: tuple[str, ...], wheels: Path, log_path: Path, cancellation: Cancellation | None) -> None:
    """Wheels of ``projects`` (folders or requirements) and of everything they need.

    All in one call, so that in-repo requirements resolve to these folders instead of
    an index; the rest come from the index pip is configured with.
    """
    argv = [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), *projects]
    with open(log_path, "a") as log:
        log.write(f"$ {' '.join(argv)}\n")
    code, output = run_child(argv, what="building wheels", log_path=log_path, cancellation=cancellation)
    if code != 0:
        names = ", ".join(Path(project).name if os.sep in project else project for project in projects)
        raise DockerBuildError(f"could not build wheels of {names}:\n{output}")


def _substitutions(dockerfile: str, base_image: str) -> dict[str, str]:
    """Build arguments replacing builder/runtime images this engine does not hold.

    The engine may be unable to pull; the locally made base image (Debian, like the
    defaults) stands in for a missing one. The build log says so.
    """
    declared = dict(_ARG_DEFAULT.findall(dockerfile))
    return {
        arg: base_image
        for arg in (BUILDER_IMAGE_ARG, RUNTIME_IMAGE_ARG)
        if arg in declared and not image_exists(declared[arg])
    }


def _image_id(tag: str, what: str) -> str:
    from docker.errors import ImageNotFound

    try:
        return str(connect().images.get(tag).id)
    except ImageNotFound:
        raise DockerBuildError(_missing(tag, what)) from None


def _require_image(tag: str, what: str) -> None:
    if not image_exists(tag):
        raise DockerBuildError(_missing(tag, what))


def _missing(tag: str, what: str) -> str:
    return f"{what}, {tag}, is not on the Docker engine; make it with `panther docker base-image --tag {tag}`"


def _build_lock(tag: str) -> threading.Lock:
    with _build_locks_guard:
        return _build_locks.setdefault(tag, threading.Lock())


def remove_implementation_images(client: Any) -> list[str]:
    """Remove every implementation image the harness built (not the base image); their tags.

    Images are tagged by a digest of what went into them, so each change of a plugin
    leaves the previous image behind until it is removed here.
    """
    from docker.errors import DockerException

    removed: list[str] = []
    for image in client.images.list(filters={"label": IMPLEMENTATION_LABEL}):
        try:
            client.images.remove(image.id, force=False)
        except DockerException:
            continue  # in use by a container of a run still going
        removed.extend(image.tags or [image.short_id])
    return removed
